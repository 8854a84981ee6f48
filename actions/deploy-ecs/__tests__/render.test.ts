import { beforeAll, describe, expect, it } from '@jest/globals';
import {
  applyEnvironment,
  applyImages,
  fillPlaceholders,
  renderTaskDefinition,
  RenderError
} from '../src/render.js';
import { diffTaskDefinitions, formatDiff } from '../src/diff.js';
import { loadTaskDefinitionShape, type Shape } from '../src/shape.js';

let shape: Shape;
beforeAll(async () => {
  shape = await loadTaskDefinitionShape();
});

/** What `aws ecs describe-task-definition` prints for DocuThinker's backend (seed 001), read-only fields included. */
const describeDump = {
  taskDefinition: {
    taskDefinitionArn: 'arn:aws:ecs:us-east-1:123456789012:task-definition/docuthinker-backend:6',
    family: 'docuthinker-backend',
    revision: 6,
    status: 'ACTIVE',
    networkMode: 'awsvpc',
    requiresCompatibilities: ['FARGATE'],
    compatibilities: ['EC2', 'FARGATE'],
    requiresAttributes: [{ name: 'com.amazonaws.ecs.capability.logging-driver.awslogs' }],
    registeredAt: '2026-11-20T10:00:00.000Z',
    registeredBy: 'arn:aws:sts::123456789012:assumed-role/deploy/gha',
    cpu: '512',
    memory: '1024',
    executionRoleArn: 'arn:aws:iam::123456789012:role/ecsTaskExecutionRole',
    containerDefinitions: [
      {
        name: 'backend',
        image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend:v1',
        cpu: 0,
        essential: true,
        portMappings: [{ containerPort: 5000, hostPort: 5000, protocol: 'tcp' }],
        environment: [
          { name: 'NODE_ENV', value: 'production' },
          { name: 'FEATURE_FLAGS', value: '' }
        ],
        secrets: [
          {
            name: 'OPENAI_API_KEY',
            valueFrom: 'arn:aws:secretsmanager:us-east-1:123456789012:secret:docuthinker/openai'
          }
        ],
        logConfiguration: { logDriver: 'awslogs', options: { 'awslogs-group': '/ecs/docuthinker-backend' } }
      },
      {
        name: 'xray-daemon',
        image: 'amazon/aws-xray-daemon',
        cpu: 32,
        memoryReservation: 256,
        portMappings: [{ containerPort: 2000, protocol: 'udp' }]
      }
    ]
  },
  tags: [{ key: 'app', value: 'docuthinker' }]
};

describe('renderTaskDefinition', () => {
  it('registers a describe-task-definition dump as is: read-only fields dropped quietly, empty env kept', () => {
    const { taskDefinition, warnings } = renderTaskDefinition(describeDump, 'task-definition.json', shape);
    expect(warnings).toEqual([]);
    for (const field of [
      'taskDefinitionArn',
      'revision',
      'status',
      'compatibilities',
      'requiresAttributes',
      'registeredAt',
      'registeredBy'
    ]) {
      expect(taskDefinition).not.toHaveProperty(field);
    }
    expect(taskDefinition.tags).toEqual([{ key: 'app', value: 'docuthinker' }]);
    expect(taskDefinition.containerDefinitions?.[0].environment).toEqual([
      { name: 'NODE_ENV', value: 'production' },
      { name: 'FEATURE_FLAGS', value: '' }
    ]);
    expect(taskDefinition.containerDefinitions?.[0].secrets?.[0].valueFrom).toMatch(/docuthinker\/openai$/);
  });

  it('warns about unknown keys by name, at any depth, and drops them', () => {
    const document = {
      family: 'docuthinker-backend',
      cpuArchitecture: 'ARM64',
      containerDefinitions: [
        {
          name: 'backend',
          image: 'x',
          enviroment: [{ name: 'A', value: '1' }],
          portMappings: [{ containerPort: 5000, hostport: 5000 }]
        }
      ]
    };
    const { taskDefinition, warnings } = renderTaskDefinition(document, 'td.json', shape);
    expect(warnings.join('\n')).toMatch(
      /td\.json: Unknown task definition key "cpuArchitecture" \(not a member of RegisterTaskDefinitionRequest/
    );
    expect(warnings.join('\n')).toMatch(/"containerDefinitions\[0\]\.enviroment"/);
    expect(warnings.join('\n')).toMatch(/"containerDefinitions\[0\]\.portMappings\[0\]\.hostport"/);
    expect(taskDefinition.containerDefinitions?.[0]).not.toHaveProperty('enviroment');
  });

  it('coerces numeric strings where ECS wants numbers, and numbers where it wants strings', () => {
    const { taskDefinition } = renderTaskDefinition(
      {
        family: 'tria-aibpo-task-staging',
        cpu: 512,
        memory: '1024',
        containerDefinitions: [
          {
            name: 'tria-aibpo-backend',
            image: 'x',
            memory: '512',
            essential: 'true',
            portMappings: [{ containerPort: '8000' }]
          }
        ]
      },
      'td.json',
      shape
    );
    expect(taskDefinition.cpu).toBe('512');
    expect(taskDefinition.containerDefinitions?.[0]).toMatchObject({
      memory: 512,
      essential: true,
      portMappings: [{ containerPort: 8000 }]
    });
  });

  it('rejects values of the wrong type with every problem listed and its path', () => {
    const attempt = () =>
      renderTaskDefinition(
        {
          family: 'x',
          containerDefinitions: [
            { name: 'backend', image: 'x', memory: '1GB', portMappings: [{ containerPort: 'http' }] },
            { name: 'sidecar' }
          ]
        },
        'td.json',
        shape
      );
    expect(attempt).toThrow(RenderError);
    expect(attempt).toThrow(
      'td.json: containerDefinitions[0].memory must be a number, got "1GB"; containerDefinitions[0].portMappings[0].containerPort must be a number, got "http"; containerDefinitions[1].image is required'
    );
  });

  it('requires a family and at least one container', () => {
    expect(() => renderTaskDefinition({ containerDefinitions: [] }, 'td.json', shape)).toThrow(
      '"family" is required; "containerDefinitions" must list at least one container'
    );
    expect(() => renderTaskDefinition([], 'td.json', shape)).toThrow(
      'the task definition must be a JSON object'
    );
  });
});

describe('fillPlaceholders', () => {
  it('fills ${NAME} from the environment, lists every missing one at once, keeps $${NAME} literal', () => {
    const { value, missing } = fillPlaceholders(
      {
        image: '${ECR_REGISTRY}/docuthinker-backend:${IMAGE_TAG}',
        command: ['echo', '$${HOME}'],
        env: '${A} ${B} ${A}'
      },
      { ECR_REGISTRY: '123456789012.dkr.ecr.us-east-1.amazonaws.com', IMAGE_TAG: 'abc123' }
    );
    expect(value).toEqual({
      image: '123456789012.dkr.ecr.us-east-1.amazonaws.com/docuthinker-backend:abc123',
      command: ['echo', '${HOME}'],
      env: '${A} ${B} ${A}'
    });
    expect(missing).toEqual(['A', 'B']);
  });
});

describe('applyImages / applyEnvironment', () => {
  it('sets images and env per container and keeps secrets, logConfiguration and the sidecar', () => {
    const { taskDefinition } = renderTaskDefinition(describeDump, 'td.json', shape);
    const next = applyEnvironment(
      applyImages(taskDefinition, new Map([['backend', 'repo/docuthinker-backend:v2']])),
      [
        { container: 'backend', name: 'NODE_ENV', value: 'staging' },
        { container: 'backend', name: 'LOG_LEVEL', value: '' }
      ]
    );
    const [backend, xray] = next.containerDefinitions!;
    expect(backend.image).toBe('repo/docuthinker-backend:v2');
    expect(backend.environment).toEqual([
      { name: 'NODE_ENV', value: 'staging' },
      { name: 'FEATURE_FLAGS', value: '' },
      { name: 'LOG_LEVEL', value: '' }
    ]);
    expect(backend.secrets).toEqual(taskDefinition.containerDefinitions![0].secrets);
    expect(backend.logConfiguration).toEqual(taskDefinition.containerDefinitions![0].logConfiguration);
    expect(xray).toEqual(taskDefinition.containerDefinitions![1]);
  });
});

describe('diffTaskDefinitions', () => {
  it('shows images, environment, cpu/memory and containers added or removed', () => {
    const { taskDefinition: current } = renderTaskDefinition(describeDump, 'td.json', shape);
    const next = {
      ...applyEnvironment(applyImages(current, new Map([['backend', 'repo:v2']])), [
        { container: 'backend', name: 'LOG_LEVEL', value: 'debug' }
      ]),
      memory: '2048'
    };
    next.containerDefinitions = [
      {
        ...next.containerDefinitions![0],
        environment: next.containerDefinitions![0].environment!.filter(e => e.name !== 'FEATURE_FLAGS')
      },
      { name: 'otel-collector', image: 'public.ecr.aws/aws-observability/aws-otel-collector:latest' }
    ];
    expect(formatDiff(diffTaskDefinitions(current, next))).toBe(
      [
        '  ~ task memory: 1024 -> 2048',
        `  ~ backend image: ${current.containerDefinitions![0].image} -> repo:v2`,
        '  + backend env LOG_LEVEL added',
        '  - backend env FEATURE_FLAGS removed',
        '  + container otel-collector (public.ecr.aws/aws-observability/aws-otel-collector:latest)',
        '  - container xray-daemon'
      ].join('\n')
    );
    expect(diffTaskDefinitions(current, current)).toEqual([]);
  });

  it('names changed variables without their values, old or new, unless show-values names them', () => {
    const { taskDefinition: current } = renderTaskDefinition(describeDump, 'td.json', shape);
    const oldSecret = 'old-planted-db-password-0001';
    const newSecret = 'new-planted-db-password-0002';
    const withOld = applyEnvironment(current, [
      { container: 'backend', name: 'DATABASE_URL', value: oldSecret },
      { container: 'backend', name: 'NODE_ENV', value: 'staging' }
    ]);
    const withNew = applyEnvironment(current, [
      { container: 'backend', name: 'DATABASE_URL', value: newSecret },
      { container: 'backend', name: 'NODE_ENV', value: 'production' },
      { container: 'backend', name: 'API_KEY', value: newSecret }
    ]);
    const hidden = formatDiff(diffTaskDefinitions(withOld, withNew));
    expect(hidden).toContain('~ backend env DATABASE_URL changed');
    expect(hidden).toContain('~ backend env NODE_ENV changed');
    expect(hidden).toContain('+ backend env API_KEY added');
    expect(hidden).not.toContain(oldSecret);
    expect(hidden).not.toContain(newSecret);
    expect(hidden).not.toContain('production');
    const shown = formatDiff(diffTaskDefinitions(withOld, withNew, new Set(['NODE_ENV'])));
    expect(shown).toContain('~ backend env NODE_ENV changed: "staging" -> "production"');
    expect(shown).not.toContain(newSecret);
  });
});
