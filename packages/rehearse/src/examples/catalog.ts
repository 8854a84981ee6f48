import { zipSync, strToU8 } from 'fflate';
import {
  createBeanstalkState,
  createEcsState,
  createStaticSiteState,
  type EcsServiceSetup,
  type SdkTarget
} from './aws-setup.js';

/**
 * The five guides' pipelines as rehearsable examples: where each example lives, which images its pipeline
 * builds, and the AWS-side state its README tells users to create before the first run. Names, ports,
 * health bodies and versions are the guides' own.
 */

export interface ExampleImage {
  /** the build's name in the workflow (matrix entry), e.g. backend */
  name: string;
  /** ECR repository, e.g. docuthinker-backend */
  repository: string;
  /** the container (task definition) or Dockerrun container that runs it */
  container: string;
  /** the ECS service or Beanstalk environment that runs it (what --break may name) */
  runsIn: string;
  /** promoted by the pipeline from this repository (same registry), not built: no image is seeded for it */
  promotedFrom?: string;
}

/** A static site the pipeline publishes with deploy-static (what `--break <name>` may name too). */
export interface ExampleSite {
  /** the job / part of the example, e.g. frontend */
  name: string;
  bucket: string;
  distributionId: string;
  /** the built folder in the job's workspace, what deploy-static's `source` is */
  buildDir: string;
}

export interface ExampleContext {
  target: SdkTarget;
  exampleDir: string;
  /** repository → the image reference (uri@digest) the first revision runs */
  baseline: Record<string, string>;
  /** lets simulated time pass */
  advance(seconds: number): void;
}

export interface ExampleDefinition {
  name: string;
  title: string;
  /** the example folder, relative to the suite root */
  dir: string;
  /** the workflow to rehearse, relative to the example folder */
  workflow: string;
  event: 'push' | 'workflow_dispatch';
  inputs?: Record<string, string>;
  /** the consumer repository the example stands for (github.repository) */
  repository: string;
  images: ExampleImage[];
  /** static sites the pipeline publishes (deploy-static), if any */
  sites?: ExampleSite[];
  /** the version the health endpoints report for a release built from `sha` */
  appVersion(sha: string): string;
  /** repository variables the workflow reads (health URLs on the simulator, short waits) */
  vars(endpoint: string): Record<string, string>;
  setup(context: ExampleContext): Promise<void>;
  /** what `--break` breaks when no target is named */
  defaultBreak: string;
  /** more fields the health endpoints answer (the guide's own body, e.g. Eloquent's database checks) */
  healthFields?: Record<string, unknown>;
}

/** The roles the examples' workflows assume (repository variables) and their trust policies (aws/). */
export const ROLES = {
  AWS_DEPLOY_ROLE_ARN: {
    arn: 'arn:aws:iam::123456789012:role/github-actions-deploy',
    policy: 'aws/trust-policy.json'
  },
  AWS_PUSH_ROLE_ARN: {
    arn: 'arn:aws:iam::123456789012:role/github-actions-push',
    policy: 'aws/push-trust-policy.json'
  }
} as const;

/** Waits sized for the simulator (it runs 600x faster than real time in a rehearsal). */
const FAST_WAITS = {
  DEPLOY_POLL_INTERVAL: '200ms',
  HEALTH_WAIT_FOR: '8s',
  HEALTH_RETRY_DELAY: '200ms',
  AWS_DEPLOY_ROLE_ARN: ROLES.AWS_DEPLOY_ROLE_ARN.arn,
  AWS_PUSH_ROLE_ARN: ROLES.AWS_PUSH_ROLE_ARN.arn
};

function ecsHealth(endpoint: string, cluster: string, service: string): string {
  return `${endpoint}/_app/${cluster}/${service}/health`;
}

function ecsSetup(cluster: string, services: Array<Omit<EcsServiceSetup, 'images'> & { image?: string }>) {
  return async (context: ExampleContext, images: ExampleImage[]) => {
    const setups = services.map(service => {
      const mine = images.filter(image => image.runsIn === service.service);
      return {
        ...service,
        images: Object.fromEntries(mine.map(image => [image.container, context.baseline[image.repository]]))
      };
    });
    await createEcsState(context.target, context.exampleDir, cluster, setups);
  };
}

const docuthinkerImages: ExampleImage[] = [
  { name: 'backend', repository: 'docuthinker-backend', container: 'backend', runsIn: 'backend-service' },
  { name: 'ai-ml', repository: 'docuthinker-ai-ml', container: 'ai-ml', runsIn: 'aiml-service' }
];

const recipeImages: ExampleImage[] = [
  {
    name: 'backend',
    repository: 'recipe-chatbot-backend',
    container: 'backend',
    runsIn: 'recipe-chatbot-backend'
  },
  {
    name: 'frontend',
    repository: 'recipe-chatbot-frontend',
    container: 'frontend',
    runsIn: 'recipe-chatbot-frontend'
  }
];

const triaImages: ExampleImage[] = [
  {
    name: 'tria-aibpo',
    repository: 'tria-aibpo-staging',
    container: 'tria-aibpo-backend',
    runsIn: 'tria-aibpo-staging-service'
  },
  // the image that passed staging, promoted into the production repository (same digest)
  {
    name: 'tria-aibpo',
    repository: 'tria-aibpo-production',
    container: 'tria-aibpo-backend',
    runsIn: 'tria-aibpo-production-service',
    promotedFrom: 'tria-aibpo-staging'
  }
];

const eloquentImages: ExampleImage[] = [
  { name: 'backend', repository: 'eloquent-backend', container: 'eloquent-api', runsIn: 'eloquent-api' }
];

const eloquentSite: ExampleSite = {
  name: 'frontend',
  bucket: 'eloquent-ai-frontend-prod',
  distributionId: 'E2ELOQUENTAI01',
  buildDir: 'frontend/build'
};

const chatrelayImages: ExampleImage[] = [
  { name: 'main-app', repository: 'chatrelay/main-app', container: 'main-app', runsIn: 'chatrelay-prod' },
  {
    name: 'agent-service',
    repository: 'chatrelay/agent-service',
    container: 'agent-service',
    runsIn: 'chatrelay-prod'
  },
  {
    name: 'mcp-gateway',
    repository: 'chatrelay/mcp-gateway',
    container: 'mcp-gateway',
    runsIn: 'chatrelay-prod'
  }
];

export const EXAMPLES: ExampleDefinition[] = [
  {
    name: 'docuthinker',
    title: 'DocuThinker (ECS Fargate: backend-service :5000 and aiml-service :8000 on docuthinker-cluster)',
    dir: 'examples/docuthinker',
    workflow: '.github/workflows/deploy.yml',
    event: 'push',
    repository: 'octo-org/docuthinker',
    images: docuthinkerImages,
    appVersion: sha => sha,
    vars: endpoint => ({
      ...FAST_WAITS,
      BACKEND_HEALTH_URL: ecsHealth(endpoint, 'docuthinker-cluster', 'backend-service'),
      AIML_HEALTH_URL: ecsHealth(endpoint, 'docuthinker-cluster', 'aiml-service'),
      // the pull request's preview backend: in the rehearsal, the backend the releases deployed
      PREVIEW_BACKEND_HEALTH_URL: ecsHealth(endpoint, 'docuthinker-cluster', 'backend-service')
    }),
    setup: context =>
      ecsSetup('docuthinker-cluster', [
        {
          service: 'backend-service',
          taskDefinitionFile: 'ecs/task-definition-backend.json',
          desiredCount: 2
        },
        { service: 'aiml-service', taskDefinitionFile: 'ecs/task-definition-ai-ml.json', desiredCount: 2 }
      ])(context, docuthinkerImages),
    defaultBreak: 'backend'
  },
  {
    name: 'recipe-chatbot',
    title: 'Recipe Chatbot (ECS Fargate: backend :8000 and frontend :3000, circuit breaker with rollback)',
    dir: 'examples/recipe-chatbot',
    workflow: '.github/workflows/deploy.yml',
    event: 'push',
    repository: 'octo-org/recipe-chatbot',
    images: recipeImages,
    appVersion: sha => sha,
    vars: endpoint => ({
      ...FAST_WAITS,
      BACKEND_HEALTH_URL: ecsHealth(endpoint, 'recipe-chatbot-cluster', 'recipe-chatbot-backend'),
      FRONTEND_HEALTH_URL: ecsHealth(endpoint, 'recipe-chatbot-cluster', 'recipe-chatbot-frontend')
    }),
    setup: context =>
      ecsSetup(
        'recipe-chatbot-cluster',
        ['backend', 'frontend'].map(part => ({
          service: `recipe-chatbot-${part}`,
          taskDefinitionFile: `ecs/task-definition-${part}.json`,
          desiredCount: 2,
          circuitBreaker: true,
          maximumPercent: 200,
          minimumHealthyPercent: 100
        }))
      )(context, recipeImages),
    defaultBreak: 'backend'
  },
  {
    name: 'tria',
    title: 'Tria AI-BPO (ECS Fargate: staging, E2E, then production behind an approval)',
    dir: 'examples/tria',
    workflow: '.github/workflows/aws-cicd.yml',
    event: 'push',
    repository: 'octo-org/tria-aibpo',
    images: triaImages,
    // the guide's /health answers {"status": "healthy", "version": "1.1.0"}
    appVersion: () => '1.1.0',
    vars: endpoint => ({
      ...FAST_WAITS,
      STAGING_HEALTH_URL: ecsHealth(endpoint, 'tria-aibpo-staging-cluster', 'tria-aibpo-staging-service'),
      PRODUCTION_HEALTH_URL: ecsHealth(
        endpoint,
        'tria-aibpo-production-cluster',
        'tria-aibpo-production-service'
      )
    }),
    setup: async context => {
      for (const stage of ['staging', 'production']) {
        await ecsSetup(`tria-aibpo-${stage}-cluster`, [
          {
            service: `tria-aibpo-${stage}-service`,
            taskDefinitionFile: `ecs/task-definition-${stage}.json`,
            desiredCount: 2
          }
        ])(context, triaImages);
      }
    },
    defaultBreak: 'tria-aibpo'
  },
  {
    name: 'eloquent',
    title:
      'Eloquent AI (ECS Fargate backend eloquent-api on cluster prod; React frontend on S3 eloquent-ai-frontend-prod behind CloudFront)',
    dir: 'examples/eloquent',
    workflow: '.github/workflows/deploy.yml',
    event: 'push',
    repository: 'octo-org/eloquent',
    images: eloquentImages,
    sites: [eloquentSite],
    // the guide's /health reports "version": "1.0.0" (with status, database and vector_db)
    appVersion: () => '1.0.0',
    // what check_db_connection() and check_pinecone_connection() report when the backend reaches them
    healthFields: { database: 'connected', vector_db: 'connected' },
    vars: endpoint => ({
      ...FAST_WAITS,
      BACKEND_HEALTH_URL: ecsHealth(endpoint, 'prod', 'eloquent-api'),
      FRONTEND_DISTRIBUTION_ID: eloquentSite.distributionId,
      // the simulator's edge of the distribution (its cloudfront.net name does not resolve here)
      FRONTEND_URL: `${endpoint}/_app/cloudfront/${eloquentSite.distributionId}/`
    }),
    setup: async context => {
      await ecsSetup('prod', [
        { service: 'eloquent-api', taskDefinitionFile: 'ecs/task-definition.json', desiredCount: 2 }
      ])(context, eloquentImages);
      await createStaticSiteState(context.target, eloquentSite);
    },
    defaultBreak: 'backend'
  },
  {
    name: 'chatrelay',
    title:
      'ChatRelay (Elastic Beanstalk multi-container Docker: main-app :8081, agent-service :8090, mcp-gateway :8080)',
    dir: 'examples/chatrelay',
    workflow: '.github/workflows/aws-deploy.yml',
    event: 'push',
    repository: 'octo-org/chatrelay',
    images: chatrelayImages,
    // images are tagged with the package.json version; /health answers { status: 'healthy' }
    appVersion: () => '1.4.0',
    vars: endpoint => ({
      ...FAST_WAITS,
      DEPLOY_POLL_INTERVAL: '500ms',
      // each service's GET /health (main-app :8081, agent-service :8090, mcp-gateway :8080)
      MAIN_APP_HEALTH_URL: `${endpoint}/_app/beanstalk/chatrelay-prod/main-app/health`,
      AGENT_SERVICE_HEALTH_URL: `${endpoint}/_app/beanstalk/chatrelay-prod/agent-service/health`,
      MCP_GATEWAY_HEALTH_URL: `${endpoint}/_app/beanstalk/chatrelay-prod/mcp-gateway/health`,
      EB_BUCKET: 'elasticbeanstalk-us-east-1-123456789012'
    }),
    setup: async context => {
      const dockerrun = {
        AWSEBDockerrunVersion: 2,
        containerDefinitions: chatrelayImages.map(image => ({
          name: image.container,
          image: context.baseline[image.repository],
          essential: image.container === 'main-app',
          memory: 512
        }))
      };
      await createBeanstalkState(
        context.target,
        {
          application: 'ChatRelay',
          environment: 'chatrelay-prod',
          bucket: 'elasticbeanstalk-us-east-1-123456789012',
          solutionStack: '64bit Amazon Linux 2 v4.0.0 running ECS',
          firstVersion: {
            label: 'baseline',
            bundleKey: 'ChatRelay/baseline.zip',
            bundle: zipSync({ 'Dockerrun.aws.json': strToU8(JSON.stringify(dockerrun, null, 2)) })
          }
        },
        context.advance
      );
    },
    defaultBreak: 'main-app'
  }
];

export function findExample(name: string): ExampleDefinition | undefined {
  return EXAMPLES.find(example => example.name === name.toLowerCase());
}

/** `--break backend`: a build name, repository, container or the service/environment it runs in. */
export function imagesToBreak(example: ExampleDefinition, target: string): ExampleImage[] {
  const wanted = target.toLowerCase();
  const byImage = example.images.filter(image =>
    [image.name, image.repository, image.container].some(name => name.toLowerCase() === wanted)
  );
  if (byImage.length > 0) return byImage;
  return example.images.filter(image => image.runsIn.toLowerCase() === wanted);
}

/** `--break frontend`: a static site of the example, by name or bucket. */
export function sitesToBreak(example: ExampleDefinition, target: string): ExampleSite[] {
  const wanted = target.toLowerCase();
  return (example.sites ?? []).filter(site => site.name === wanted || site.bucket === wanted);
}

export function breakTargets(example: ExampleDefinition): string[] {
  return [
    ...new Set([
      ...example.images.flatMap(image => [image.name, image.runsIn]),
      ...(example.sites ?? []).map(site => site.name)
    ])
  ];
}
