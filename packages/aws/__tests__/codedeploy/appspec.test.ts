import { describe, expect, it } from '@jest/globals';
import { parseYamlDocument } from '@deploy-suite/core/yaml-document';
import { createHash } from 'node:crypto';
import { appSpecContainerProblem, parseAppSpec } from '../../src/codedeploy/index.js';

const NEW = 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:7';
const SOURCE = { input: 'codedeploy-appspec', file: 'appspec.yaml' };
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- a parsed AppSpec, read by its known keys
const parse = (text: string): any => parseYamlDocument(text, SOURCE).toJS();

/** DocuThinker's backend AppSpec with everything an AppSpec may carry besides the task definition. */
const YAML = `# blue/green through CodeDeploy (DocuThinker backend)
version: 0.0
Resources:
  - TargetService:
      Type: AWS::ECS::Service
      Properties:
        TaskDefinition: "arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:1" # replaced
        LoadBalancerInfo:
          ContainerName: "backend"
          ContainerPort: 5000
        PlatformVersion: "LATEST"
        NetworkConfiguration:
          AwsvpcConfiguration:
            Subnets: ["subnet-0abc", "subnet-0def"]
            SecurityGroups: ["sg-0abc"]
            AssignPublicIp: "DISABLED"
Hooks:
  - BeforeInstall: "docuthinker-before-install"
  - AfterAllowTestTraffic: "arn:aws:lambda:us-east-1:123456789012:function:docuthinker-smoke-test"
`;

describe('parseAppSpec (YAML)', () => {
  it('changes the TaskDefinition only: comments, quoting, hooks, container, port and network stay as written', async () => {
    const template = await parseAppSpec(YAML, SOURCE);
    expect(template).toMatchObject({ format: 'yaml', containerName: 'backend', containerPort: 5000 });
    const { content, sha256 } = template.render(NEW);
    expect(content).toBe(
      YAML.replace('task-definition/docuthinker-backend:1"', 'task-definition/docuthinker-backend:7"')
    );
    expect(sha256).toBe(createHash('sha256').update(content).digest('hex'));
    // rendering twice starts from the file each time
    expect(template.render(NEW.replace(':7', ':8')).content).toContain('docuthinker-backend:8" # replaced');
  });

  it('matches keys ignoring case, as CodeDeploy does, and adds a missing TaskDefinition', async () => {
    const lower = [
      'version: 0.0',
      'resources:',
      '  - targetservice:',
      '      type: aws::ecs::service',
      '      properties:',
      '        taskdefinition: old',
      '        loadbalancerinfo: { containername: backend, containerport: 5000 }',
      ''
    ].join('\n');
    const { content } = (await parseAppSpec(lower, SOURCE)).render(NEW);
    expect(content).toBe(lower.replace('taskdefinition: old', `taskdefinition: ${NEW}`));
    const rendered = parse(content);
    expect(rendered.resources[0].targetservice.properties).toEqual({
      taskdefinition: NEW,
      loadbalancerinfo: { containername: 'backend', containerport: 5000 }
    });
    const without = YAML.replace(/^ *TaskDefinition:.*\n/m, '');
    const added = parse((await parseAppSpec(without, SOURCE)).render(NEW).content);
    expect(added.Resources[0].TargetService.Properties.TaskDefinition).toBe(NEW);
    expect(added.Hooks).toEqual(parse(YAML).Hooks);
  });

  it('refuses what CodeDeploy would refuse, naming the input and file and never quoting the file', async () => {
    const secret = 'hunter2-super-secret-value';
    await expect(parseAppSpec(`version: 0.0\nResources: [\n  ${secret}: :`, SOURCE)).rejects.toThrow(
      /^Input "codedeploy-appspec": appspec\.yaml is not valid YAML/
    );
    await expect(parseAppSpec(`version: 0.0\nResources: [\n  ${secret}: :`, SOURCE)).rejects.not.toThrow(
      secret
    );
    await expect(parseAppSpec('version: 0.0\nHooks: []\n', SOURCE)).rejects.toThrow(
      /has no "Resources" list/
    );
    const two = YAML.replace(
      'Hooks:',
      '  - Second:\n      Type: AWS::ECS::Service\n      Properties: { TaskDefinition: x }\nHooks:'
    );
    await expect(parseAppSpec(two, SOURCE)).rejects.toThrow(
      /exactly one resource of Type AWS::ECS::Service.*found 2/
    );
    await expect(
      parseAppSpec(YAML.replace('ContainerPort: 5000', `ContainerPort: "${secret}"`), SOURCE)
    ).rejects.toThrow(/LoadBalancerInfo of resource TargetService needs ContainerName .* and ContainerPort/);
  });
});

describe('parseAppSpec (JSON)', () => {
  const json = {
    version: 0.0,
    Resources: [
      {
        TargetService: {
          Type: 'AWS::ECS::Service',
          Properties: {
            TaskDefinition: 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:1',
            LoadBalancerInfo: { ContainerName: 'backend', ContainerPort: 5000 },
            CapacityProviderStrategy: [{ Base: 1, CapacityProvider: 'FARGATE_SPOT', Weight: 1 }]
          }
        }
      }
    ],
    Hooks: [{ BeforeAllowTraffic: 'docuthinker-before-traffic' }]
  };

  it('changes the TaskDefinition only, every other member kept', async () => {
    const template = await parseAppSpec(JSON.stringify(json), { ...SOURCE, file: 'appspec.json' });
    expect(template.format).toBe('json');
    const rendered = JSON.parse(template.render(NEW).content);
    const expected = structuredClone(json);
    expected.Resources[0].TargetService.Properties.TaskDefinition = NEW;
    expect(rendered).toEqual(expected);
  });

  it('gives a syntax error its position, not the text around it', async () => {
    const secret = 'password=hunter2-super-secret';
    const broken = `{"version": 0.0, "Resources": [${secret}]}`;
    await expect(parseAppSpec(broken, { ...SOURCE, file: 'appspec.json' })).rejects.toThrow(
      /^Input "codedeploy-appspec": appspec\.json is not valid JSON/
    );
    await expect(parseAppSpec(broken, { ...SOURCE, file: 'appspec.json' })).rejects.not.toThrow(/hunter2/);
  });
});

describe('appSpecContainerProblem', () => {
  it('names a container or port the task definition lacks', async () => {
    const template = await parseAppSpec(YAML, SOURCE);
    const containers = [
      { name: 'backend', portMappings: [{ containerPort: 5000 }] },
      { name: 'xray-daemon', portMappings: [{ containerPort: 2000 }] }
    ];
    expect(appSpecContainerProblem(template, containers)).toBeUndefined();
    expect(
      appSpecContainerProblem(template, [{ name: 'ai-ml', portMappings: [{ containerPort: 8000 }] }])
    ).toBe(
      'appspec.yaml routes traffic to container "backend", which the task definition does not have (containers: ai-ml)'
    );
    expect(
      appSpecContainerProblem(template, [{ name: 'backend', portMappings: [{ containerPort: 8000 }] }])
    ).toMatch(/port 5000 of container "backend", which maps no such port/);
  });
});
