import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { DescribeTaskDefinitionCommand } from '@aws-sdk/client-ecs';
import { startSimulator, type RunningSimulator } from '@deploy-suite/sim';
import { runActionAsRunner } from '@deploy-suite/testing';
import {
  BACKEND,
  CLUSTER,
  backendSeed,
  describeService,
  sdkClient,
  seedServices,
  simEnv
} from '@deploy-suite/testing/worlds/deploy-ecs';

/**
 * The switch from aws-actions' ECS actions, tested on the bundle (dist/deploy-ecs/index.js, `npm run build`
 * first) as the runner runs it, with aws-actions' own input names.
 */
const actionDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SHA = '3f9c2a17e0b54d6c8a1f2e3d4c5b6a7980716253';
const REGISTRY = '123456789012.dkr.ecr.us-east-1.amazonaws.com';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await startSimulator({ port: 0, timeScale: 600 });
  await seedServices(sim, [backendSeed]);
});
afterEach(async () => {
  await sim.close();
});

/** DocuThinker's backend task definition (seed 001) as the ECS console exports it: empty values included. */
function workspaceWithTaskDefinition(): string {
  const workspace = mkdtempSync(path.join(tmpdir(), 'deploy-ecs-aws-actions-'));
  mkdirSync(path.join(workspace, '.aws'));
  writeFileSync(
    path.join(workspace, '.aws/backend-task-definition.json'),
    JSON.stringify({
      family: 'docuthinker-backend',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
      ipcMode: null,
      pidMode: '',
      containerDefinitions: [
        {
          name: 'backend',
          image: `${REGISTRY}/docuthinker-backend:latest`,
          essential: true,
          command: [],
          portMappings: [{ containerPort: 5000, hostPort: '', protocol: 'tcp' }],
          environment: [
            { name: 'NODE_ENV', value: 'production' },
            { name: 'FEATURE_FLAGS', value: '' }
          ],
          logConfiguration: {
            logDriver: 'awslogs',
            options: { 'awslogs-group': '/ecs/docuthinker-backend', 'awslogs-region': 'us-east-1' }
          }
        }
      ]
    })
  );
  return workspace;
}

/** The steps of a workflow that used render + deploy, and the same job on deploy-ecs. */
const BEFORE = `
      - name: Render the backend task definition
        id: render
        uses: aws-actions/amazon-ecs-render-task-definition@v1
        with:
          task-definition: .aws/backend-task-definition.json
          container-name: backend
          image: ${REGISTRY}/docuthinker-backend:\${{ github.sha }}
      - name: Deploy the backend
        uses: aws-actions/amazon-ecs-deploy-task-definition@v2
        with:
          task-definition: \${{ steps.render.outputs.task-definition }}
          service: backend-service
          cluster: docuthinker-cluster
          wait-for-service-stability: true
`;
const AFTER = `
      - name: Render the backend task definition
        id: render
        uses: octo-org/deploy-suite/actions/deploy-ecs@v1
        with:
          task-definition: .aws/backend-task-definition.json
          container-name: backend
          image: ${REGISTRY}/docuthinker-backend:\${{ github.sha }}
          service: backend-service
          cluster: docuthinker-cluster
          wait-for-service-stability: true
`;

/** The `with:` inputs of each step of a step list written as above (two-space YAML, one value per line). */
function stepInputs(steps: string): Array<{ uses: string; with: Record<string, string> }> {
  const parsed: Array<{ uses: string; with: Record<string, string> }> = [];
  for (const line of steps.split('\n')) {
    const uses = /^\s+uses: (.+)$/.exec(line);
    const input = /^ {10}([a-z-]+): (.+)$/.exec(line);
    if (line.trimStart().startsWith('- name:')) parsed.push({ uses: '', with: {} });
    else if (uses) parsed[parsed.length - 1].uses = uses[1];
    else if (input) parsed[parsed.length - 1].with[input[1]] = input[2];
  }
  return parsed;
}

/** What the runner would pass for `${{ github.sha }}`. */
const expand = (inputs: Record<string, string>) =>
  Object.fromEntries(
    Object.entries(inputs).map(([key, value]) => [key, value.replace('${{ github.sha }}', SHA)])
  );

describe("switching from aws-actions' ECS actions (bundle, aws-actions' input names)", () => {
  it('render + deploy become one deploy-ecs step: one uses: line changes, every other input carries over', async () => {
    const before = stepInputs(BEFORE);
    const after = stepInputs(AFTER);
    // What changed, line by line: the render step's uses: line, and the deploy step's uses: and its
    // task-definition (render's output file, which no step writes any more) are gone.
    const beforeLines = BEFORE.split('\n');
    const afterLines = AFTER.split('\n');
    expect(afterLines.filter(line => !beforeLines.includes(line))).toEqual([
      '        uses: octo-org/deploy-suite/actions/deploy-ecs@v1'
    ]);
    expect(beforeLines.filter(line => !afterLines.includes(line))).toEqual([
      '        uses: aws-actions/amazon-ecs-render-task-definition@v1',
      '      - name: Deploy the backend',
      '        uses: aws-actions/amazon-ecs-deploy-task-definition@v2',
      '          task-definition: ${{ steps.render.outputs.task-definition }}'
    ]);
    // render's inputs and deploy's inputs, unchanged, are the one step's inputs
    const { 'task-definition': renderedFile, ...deployInputs } = before[1].with;
    expect(renderedFile).toBe('${{ steps.render.outputs.task-definition }}');
    expect(after).toEqual([
      { uses: 'octo-org/deploy-suite/actions/deploy-ecs@v1', with: { ...before[0].with, ...deployInputs } }
    ]);

    const run = await runActionAsRunner({
      actionDir,
      workspace: workspaceWithTaskDefinition(),
      inputs: { ...expand(after[0].with), 'poll-interval': '200ms' },
      env: simEnv(sim)
    });
    expect({ exitCode: run.exitCode, log: run.log }).toMatchObject({ exitCode: 0 });
    expect(run.outputs.status).toBe('deployed');
    // aws-actions' output keeps its name
    expect(run.outputs['task-definition-arn']).toMatch(/task-definition\/docuthinker-backend:2$/);
    expect(run.log).toContain(
      '.aws/backend-task-definition.json: empty values left out, as aws-actions/amazon-ecs-deploy-task-definition does'
    );
    const described = await describeService(sim, BACKEND);
    expect(described.taskDefinition).toBe(run.outputs['task-definition-arn']);
    const { taskDefinition } = await sdkClient(sim).send(
      new DescribeTaskDefinitionCommand({ taskDefinition: run.outputs['task-definition-arn'] })
    );
    const [backend] = taskDefinition?.containerDefinitions ?? [];
    expect(backend).toMatchObject({
      image: `${REGISTRY}/docuthinker-backend:${SHA}`,
      portMappings: [{ containerPort: 5000, protocol: 'tcp' }],
      environment: [
        { name: 'NODE_ENV', value: 'production' },
        { name: 'FEATURE_FLAGS', value: '' }
      ]
    });
  });

  it("a deploy step with aws-actions' other inputs switches by its uses: line alone", async () => {
    const workspace = workspaceWithTaskDefinition();
    const run = await runActionAsRunner({
      actionDir,
      workspace,
      inputs: {
        // aws-actions/amazon-ecs-deploy-task-definition's names and values, as a workflow has them
        'task-definition': '.aws/backend-task-definition.json',
        service: BACKEND,
        cluster: CLUSTER,
        'wait-for-service-stability': 'true',
        'wait-for-minutes': '15',
        'force-new-deployment': 'true',
        'desired-count': '2',
        'enable-ecs-managed-tags': 'true',
        'propagate-tags': 'SERVICE',
        'keep-null-value-keys': 'command',
        'max-retries': '3',
        'poll-interval': '200ms'
      },
      env: simEnv(sim)
    });
    expect({ exitCode: run.exitCode, log: run.log }).toMatchObject({ exitCode: 0 });
    expect(run.outputs.status).toBe('deployed');
    expect(await describeService(sim, BACKEND)).toMatchObject({
      enableECSManagedTags: true,
      propagateTags: 'SERVICE',
      desiredCount: 2
    });
    // the kept key is sent as written; the other empty values were left out
    expect(run.log).toMatch(/empty values left out.*containerDefinitions\[0\]\.portMappings\[0\]\.hostPort/);
    expect(run.log).not.toMatch(/empty values left out.*containerDefinitions\[0\]\.command/);
  });

  it("a deploy step still fed by render's output file (RUNNER_TEMP) is told to switch the render step too", async () => {
    const workspace = workspaceWithTaskDefinition();
    const runnerTemp = mkdtempSync(path.join(tmpdir(), 'runner-temp-'));
    const rendered = path.join(runnerTemp, 'task-definition-12345-abcdef.json');
    writeFileSync(rendered, readFileSync(path.join(workspace, '.aws/backend-task-definition.json')));
    const before = JSON.stringify(sim.control.calls());
    const run = await runActionAsRunner({
      actionDir,
      workspace,
      inputs: { 'task-definition': rendered, service: BACKEND, cluster: CLUSTER },
      env: { ...simEnv(sim), RUNNER_TEMP: runnerTemp }
    });
    expect(run.exitCode).toBe(1);
    expect(run.failure).toBe(
      `Input "task-definition": ${rendered} is under RUNNER_TEMP, where aws-actions/amazon-ecs-render-task-definition ` +
        'writes its output; deploy-ecs reads task-definition files in the workspace only. Switch the render step ' +
        'to deploy-ecs instead (its task-definition, container-name and image inputs carry over) and give it this ' +
        "step's inputs (README: Switching from aws-actions)"
    );
    expect(JSON.stringify(sim.control.calls())).toBe(before);
  });

  it('max-retries is the number of retries after the first attempt', async () => {
    const workspace = workspaceWithTaskDefinition();
    const before = sim.control.calls()['ECS.DescribeServices'] ?? 0;
    const registered = sim.control.calls()['ECS.RegisterTaskDefinition'] ?? 0;
    sim.control.faults({ operation: 'ECS.DescribeServices', error5xx: 1, times: 10 });
    const run = await runActionAsRunner({
      actionDir,
      workspace,
      inputs: {
        'task-definition': '.aws/backend-task-definition.json',
        service: BACKEND,
        cluster: CLUSTER,
        'max-retries': '2'
      },
      env: simEnv(sim)
    });
    expect(run.exitCode).toBe(1);
    expect(run.outputs.status).toBe('failed');
    // the plan's first DescribeServices: 1 attempt + 2 retries, then the step fails, nothing changed
    expect((sim.control.calls()['ECS.DescribeServices'] ?? 0) - before).toBe(3);
    expect(sim.control.calls()['ECS.RegisterTaskDefinition'] ?? 0).toBe(registered);
  });

  it("refuses aws-actions' inputs this action reads differently, naming both, before any AWS call", async () => {
    const before = JSON.stringify(sim.control.calls());
    for (const [inputs, failure] of [
      [{ 'container-name': 'backend' }, 'Inputs "container-name" and "image" go together'],
      [
        { 'service-managed-ebs-volume-name': 'uploads' },
        'Inputs "service-managed-ebs-volume-name" and "service-managed-ebs-volume" go together'
      ],
      [{ 'propagate-tags': 'TASKS' }, 'Input "propagate-tags" must be one of SERVICE, TASK_DEFINITION, NONE']
    ] as const) {
      const run = await runActionAsRunner({
        actionDir,
        inputs: { service: BACKEND, cluster: CLUSTER, ...inputs },
        env: simEnv(sim)
      });
      expect(run.exitCode).toBe(1);
      expect(run.failure).toContain(failure);
      expect(run.outputs.status).toBe('failed');
    }
    expect(JSON.stringify(sim.control.calls())).toBe(before);
  });

  it("every input and output of aws-actions' deploy, render and ECR login is in the mapping tables", () => {
    const table = readFileSync(path.join(actionDir, 'README.md'), 'utf8');
    const buildPush = readFileSync(path.join(actionDir, '../build-push/README.md'), 'utf8');
    const deploy = [
      'task-definition',
      'desired-count',
      'service',
      'cluster',
      'wait-for-service-stability',
      'wait-for-minutes',
      'wait-max-delay-seconds',
      'codedeploy-appspec',
      'codedeploy-application',
      'codedeploy-deployment-group',
      'codedeploy-deployment-description',
      'codedeploy-deployment-config',
      'force-new-deployment',
      'service-managed-ebs-volume-name',
      'service-managed-ebs-volume',
      'run-task',
      'run-task-container-overrides',
      'run-task-security-groups',
      'run-task-subnets',
      'run-task-assign-public-IP',
      'run-task-capacity-provider-strategy',
      'run-task-launch-type',
      'run-task-started-by',
      'run-task-tags',
      'run-task-managed-ebs-volume-name',
      'run-task-managed-ebs-volume',
      'wait-for-task-stopped',
      'enable-ecs-managed-tags',
      'propagate-tags',
      'keep-null-value-keys',
      'max-retries',
      'codedeploy-deployment-id',
      'run-task-arn'
    ];
    const render = [
      'task-definition-arn',
      'task-definition-family',
      'task-definition-revision',
      'container-name',
      'image',
      'environment-variables',
      'log-configuration-log-driver',
      'log-configuration-options',
      'docker-labels',
      'command',
      'task-role-arn',
      'execution-role-arn',
      'env-files',
      'secrets'
    ];
    const ecrLogin = [
      'http-proxy',
      'mask-password',
      'registries',
      'registry-type',
      'skip-logout',
      'registry'
    ];
    const rows = (text: string) => new Set([...text.matchAll(/^\| `([A-Za-z-]+)`/gm)].map(match => match[1]));
    expect(deploy.concat(render).filter(name => !rows(table).has(name))).toEqual([]);
    expect(ecrLogin.filter(name => !rows(buildPush).has(name))).toEqual([]);
  });
});
