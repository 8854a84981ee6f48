import { afterAll, beforeAll, describe, expect, it } from '@jest/globals';
import type { UpdateServiceCommandInput } from '@aws-sdk/client-ecs';
import { Inputs } from '@deploy-suite/core';
import type { RunningSimulator } from '@deploy-suite/sim';
import { objectInputReader } from '@deploy-suite/testing';
import {
  BACKEND,
  backendImage,
  backendSeed,
  deployOnSim,
  describeService,
  frozenSim,
  seedServices,
  simApi
} from '@deploy-suite/testing/worlds/deploy-ecs';
import type { EcsApi } from '@deploy-suite/aws/ecs';
import { readDeployEcsInputs } from '../src/inputs.js';
import { renderTaskDefinition } from '../src/render.js';
import { loadTaskDefinitionShape, type Shape } from '../src/shape.js';

const read = (values: Record<string, string>) =>
  readDeployEcsInputs(new Inputs(objectInputReader({ service: BACKEND, ...values })), () => false);

const ROLE = 'arn:aws:iam::123456789012:role/ecsInfrastructureRole';

describe("aws-actions' input names, read and checked before any AWS call", () => {
  it('container-name + image is one images line; several names (comma-separated) share the image', () => {
    expect([...read({ 'container-name': 'backend', image: backendImage('v2') }).images]).toEqual([
      ['backend', backendImage('v2')]
    ]);
    const both = read({
      'container-name': 'backend, xray-daemon',
      image: 'amazon/aws-xray-daemon:3.3.10',
      images: `ai-ml=${backendImage('v2')}`
    });
    expect([...both.images.keys()]).toEqual(['ai-ml', 'backend', 'xray-daemon']);
    expect(both.containerNameImages).toEqual(['backend', 'xray-daemon']);
  });

  it("with container-name, render's environment-variables lines NAME=value set that container's variables", () => {
    const inputs = read({
      'container-name': 'backend',
      image: backendImage('v2'),
      'environment-variables': 'NODE_ENV=production\nxray-daemon.AWS_XRAY_DAEMON_ADDRESS=0.0.0.0:2000'
    });
    expect(inputs.environment).toEqual([
      { container: 'backend', name: 'NODE_ENV', value: 'production' },
      { container: 'xray-daemon', name: 'AWS_XRAY_DAEMON_ADDRESS', value: '0.0.0.0:2000' }
    ]);
    // without container-name the render form has no container to go to
    expect(() => read({ 'environment-variables': 'NODE_ENV=production' })).toThrow(
      'must look like container-name.NAME=value'
    );
  });

  it.each([
    [
      { 'container-name': 'backend' },
      'Inputs "container-name" and "image" go together (only "container-name" was given)'
    ],
    [
      { image: backendImage('v2') },
      'Inputs "container-name" and "image" go together (only "image" was given)'
    ],
    [
      { 'container-name': 'backend', image: backendImage('v2'), images: `backend=${backendImage('v3')}` },
      'Inputs "container-name" and "images" both set the image of container "backend": keep one of them'
    ],
    [{ 'container-name': 'back end', image: 'x' }, 'Input "container-name" must name containers'],
    [{ 'container-name': 'backend', image: 'repo: v2' }, 'Input "image" contains a space'],
    [
      { 'enable-ecs-managed-tags': 'yes' },
      'Input "enable-ecs-managed-tags" must be true or false, got "yes"'
    ],
    [
      { 'propagate-tags': 'TASK' },
      'Input "propagate-tags" must be one of SERVICE, TASK_DEFINITION, NONE, got "TASK"'
    ],
    [
      { secrets: 'OPENAI_API_KEY=arn:aws:secretsmanager:us-east-1:123456789012:secret:docuthinker/openai' },
      `Input "secrets" (aws-actions/amazon-ecs-render-task-definition's) is not an input of deploy-ecs: set containerDefinitions[].secrets in the task-definition file`
    ],
    [
      { 'task-definition-family': 'docuthinker-backend', 'task-definition-revision': '6' },
      'give the family (or family:revision) as "task-definition"'
    ],
    [{ 'max-retries': '-1' }, 'Input "max-retries" must be a whole number from 0 to 20, got "-1"'],
    [{ 'max-retries': '21' }, 'Input "max-retries" must be a whole number from 0 to 20, got "21"'],
    [
      { 'service-managed-ebs-volume-name': 'uploads' },
      'Inputs "service-managed-ebs-volume-name" and "service-managed-ebs-volume" go together'
    ],
    [
      { 'service-managed-ebs-volume': JSON.stringify({ roleArn: ROLE }) },
      'only "service-managed-ebs-volume" was given'
    ],
    [
      { 'service-managed-ebs-volume-name': 'uploads', 'service-managed-ebs-volume': '{"roleArn": ' },
      'Input "service-managed-ebs-volume"'
    ],
    [
      { 'service-managed-ebs-volume-name': 'uploads', 'service-managed-ebs-volume': '[]' },
      'Input "service-managed-ebs-volume" must be a JSON object'
    ],
    [
      {
        'service-managed-ebs-volume-name': 'uploads',
        'service-managed-ebs-volume': JSON.stringify({ sizeInGiB: 20 })
      },
      'Input "service-managed-ebs-volume": "roleArn" is required'
    ],
    [
      {
        'service-managed-ebs-volume-name': 'uploads',
        'service-managed-ebs-volume': JSON.stringify({ roleArn: ROLE, sizeInGb: 20, encrypted: 'yes' })
      },
      '"sizeInGb" is not a member of ServiceManagedEBSVolumeConfiguration'
    ]
  ])('refuses %j', (values, message) => {
    expect(() => read(values)).toThrow(message);
  });

  it('reads the service settings, retries and kept keys; nothing is sent when they are not given', () => {
    const plain = read({});
    expect(plain.serviceSettings).toEqual({
      enableECSManagedTags: undefined,
      propagateTags: undefined,
      volumeConfigurations: undefined
    });
    expect(plain.maxAttempts).toBe(8);
    expect(plain.keepNullValueKeys.size).toBe(0);
    const given = read({
      'enable-ecs-managed-tags': 'true',
      'propagate-tags': 'service',
      'service-managed-ebs-volume-name': 'uploads',
      'service-managed-ebs-volume': JSON.stringify({
        roleArn: ROLE,
        sizeInGiB: '20',
        volumeType: 'gp3',
        encrypted: true,
        filesystemType: 'ext4'
      }),
      'keep-null-value-keys': 'command, dockerLabels',
      'max-retries': '3'
    });
    expect(given.serviceSettings).toEqual({
      enableECSManagedTags: true,
      propagateTags: 'SERVICE',
      volumeConfigurations: [
        {
          name: 'uploads',
          managedEBSVolume: {
            roleArn: ROLE,
            sizeInGiB: 20,
            volumeType: 'gp3',
            encrypted: true,
            filesystemType: 'ext4'
          }
        }
      ]
    });
    expect(given.maxAttempts).toBe(4);
    expect([...given.keepNullValueKeys]).toEqual(['command', 'dockerLabels']);
    expect(read({ 'max-retries': '0' }).maxAttempts).toBe(1);
  });
});

describe('empty values in a task-definition file, as aws-actions treats them', () => {
  let shape: Shape;
  beforeAll(async () => {
    shape = await loadTaskDefinitionShape();
  });
  const exported = {
    family: 'docuthinker-backend',
    cpu: '512',
    memory: '1024',
    ipcMode: null,
    pidMode: '',
    placementConstraints: [],
    containerDefinitions: [
      {
        name: 'backend',
        image: backendImage('v1'),
        command: [],
        entryPoint: [''],
        portMappings: [{ containerPort: 5000, hostPort: '', protocol: 'tcp' }],
        environment: [
          { name: 'NODE_ENV', value: 'production' },
          { name: 'FEATURE_FLAGS', value: '' }
        ],
        dockerLabels: { team: 'docs', 'com.example.empty': '' },
        healthCheck: { command: [], interval: null }
      }
    ]
  };

  it('drops null, "", and lists and objects of nothing, keeping environment values "" and the keys named', () => {
    const cleaned = renderTaskDefinition(exported, 'ecs/backend.json', shape, { keep: new Set() });
    expect(cleaned.taskDefinition).toEqual({
      family: 'docuthinker-backend',
      cpu: '512',
      memory: '1024',
      containerDefinitions: [
        {
          name: 'backend',
          image: backendImage('v1'),
          portMappings: [{ containerPort: 5000, protocol: 'tcp' }],
          environment: [
            { name: 'NODE_ENV', value: 'production' },
            { name: 'FEATURE_FLAGS', value: '' }
          ],
          dockerLabels: { team: 'docs' }
        }
      ]
    });
    expect(cleaned.dropped).toEqual([
      'pidMode',
      'placementConstraints',
      'containerDefinitions[0].command',
      'containerDefinitions[0].entryPoint',
      'containerDefinitions[0].portMappings[0].hostPort',
      'containerDefinitions[0].dockerLabels.com.example.empty',
      'containerDefinitions[0].healthCheck'
    ]);
    const kept = renderTaskDefinition(exported, 'ecs/backend.json', shape, {
      keep: new Set(['com.example.empty', 'command'])
    });
    expect(kept.taskDefinition.containerDefinitions?.[0]).toMatchObject({
      command: [],
      dockerLabels: { team: 'docs', 'com.example.empty': '' },
      healthCheck: { command: [] }
    });
  });

  it('a registered revision (no dropEmpty) is copied as it is', () => {
    const copied = renderTaskDefinition(
      { ...exported, containerDefinitions: [{ ...exported.containerDefinitions[0], portMappings: [] }] },
      'docuthinker-backend:1',
      shape
    );
    expect(copied.dropped).toEqual([]);
    expect(copied.taskDefinition.containerDefinitions?.[0]).toMatchObject({
      command: [],
      entryPoint: [''],
      portMappings: [],
      dockerLabels: { 'com.example.empty': '' }
    });
  });
});

describe('UpdateService settings on the simulator', () => {
  let sim: RunningSimulator;
  beforeAll(async () => {
    sim = await frozenSim();
    await seedServices(sim, [backendSeed]);
  });
  afterAll(async () => {
    await sim.close();
  });

  /** the action's real ECS client, with every UpdateService request recorded */
  function recording(): { api: EcsApi; updates: UpdateServiceCommandInput[] } {
    const inner = simApi(sim);
    const updates: UpdateServiceCommandInput[] = [];
    const api = new Proxy(inner, {
      get(target, key, receiver) {
        if (key === 'updateService') {
          return (input: UpdateServiceCommandInput) => {
            updates.push(input);
            return target.updateService(input);
          };
        }
        return Reflect.get(target, key, receiver) as unknown;
      }
    });
    return { api, updates };
  }

  const volumeFile = (configuredAtLaunch: boolean | undefined) =>
    JSON.stringify({
      family: 'docuthinker-backend',
      networkMode: 'awsvpc',
      requiresCompatibilities: ['FARGATE'],
      cpu: '512',
      memory: '1024',
      volumes: [{ name: 'uploads', ...(configuredAtLaunch === undefined ? {} : { configuredAtLaunch }) }],
      containerDefinitions: [
        {
          name: 'backend',
          image: backendImage('v2'),
          mountPoints: [{ sourceVolume: 'uploads', containerPath: '/app/uploads' }]
        }
      ]
    });
  const volumeInputs = {
    service: BACKEND,
    'task-definition': 'ecs/backend.json',
    'service-managed-ebs-volume-name': 'uploads',
    'service-managed-ebs-volume': JSON.stringify({ roleArn: ROLE, sizeInGiB: 20, volumeType: 'gp3' })
  };

  it.each([
    [false, 'does not set "configuredAtLaunch": true on it'],
    [undefined, 'does not set "configuredAtLaunch": true on it']
  ])(
    'refuses a volume the task definition does not configure at launch (%s) before registering',
    async (flag, message) => {
      const before = sim.control.calls()['ECS.RegisterTaskDefinition'] ?? 0;
      await expect(
        deployOnSim(sim, volumeInputs, { files: { 'ecs/backend.json': volumeFile(flag) } })
      ).rejects.toThrow(
        `Input "service-managed-ebs-volume-name" names volume "uploads", but task definition docuthinker-backend ${message}`
      );
      expect(sim.control.calls()['ECS.RegisterTaskDefinition'] ?? 0).toBe(before);
      await expect(
        deployOnSim(
          sim,
          { ...volumeInputs, 'service-managed-ebs-volume-name': 'data' },
          {
            files: { 'ecs/backend.json': volumeFile(true) }
          }
        )
      ).rejects.toThrow(
        'names volume "data", but task definition docuthinker-backend has no volume of that name (volumes: uploads)'
      );
    }
  );

  it('sends enableECSManagedTags, propagateTags and volumeConfigurations with the update, and nothing unasked', async () => {
    const { api, updates } = recording();
    const { result } = await deployOnSim(
      sim,
      { ...volumeInputs, 'enable-ecs-managed-tags': 'true', 'propagate-tags': 'SERVICE' },
      { files: { 'ecs/backend.json': volumeFile(true) }, api }
    );
    expect(result.status).toBe('deployed');
    expect(updates).toEqual([
      expect.objectContaining({
        service: BACKEND,
        enableECSManagedTags: true,
        propagateTags: 'SERVICE',
        volumeConfigurations: [
          { name: 'uploads', managedEBSVolume: { roleArn: ROLE, sizeInGiB: 20, volumeType: 'gp3' } }
        ]
      })
    ]);
    const described = await describeService(sim, BACKEND);
    expect(described).toMatchObject({ enableECSManagedTags: true, propagateTags: 'SERVICE' });

    const plain = recording();
    await deployOnSim(sim, { service: BACKEND, images: `backend=${backendImage('v3')}` }, { api: plain.api });
    expect(plain.updates).toHaveLength(1);
    // undefined members are not serialized: the service keeps what it has
    expect(plain.updates[0]).toMatchObject({
      enableECSManagedTags: undefined,
      propagateTags: undefined,
      volumeConfigurations: undefined
    });
  });

  it('a settings change alone still updates the service; the same settings again leave it alone', async () => {
    const { api, updates } = recording();
    const changed = await deployOnSim(
      sim,
      { service: BACKEND, 'propagate-tags': 'TASK_DEFINITION' },
      { api }
    );
    expect(changed.result.services[0].result).toBe('deployed');
    expect(changed.result.services[0].diff).toContainEqual({
      change: '~',
      text: 'service propagateTags: SERVICE -> TASK_DEFINITION'
    });
    expect(updates).toEqual([expect.objectContaining({ propagateTags: 'TASK_DEFINITION' })]);
    const again = await deployOnSim(sim, { service: BACKEND, 'propagate-tags': 'TASK_DEFINITION' }, { api });
    expect(again.result.services[0].result).toBe('unchanged');
    expect(updates).toHaveLength(1);
  });
});
