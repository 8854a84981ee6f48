import { readFileSync } from 'node:fs';
import path from 'node:path';

/**
 * Creates, through the real AWS SDK against the simulator, the AWS-side state an example's README tells
 * users to create before the first pipeline run: clusters, a first task-definition revision per family,
 * services, ECR repositories with a first image, Beanstalk applications and environments.
 */

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';

export interface SdkTarget {
  endpoint: string;
}

const credentials = { accessKeyId: 'test', secretAccessKey: 'test' };

function sdkConfig(target: SdkTarget) {
  return { endpoint: target.endpoint, region: REGION, credentials, maxAttempts: 5 };
}

/** `${AWS_ACCOUNT_ID}` / `${AWS_REGION}` filled the way deploy-ecs fills them from the step env. */
export function readTaskDefinition(file: string): Record<string, unknown> {
  const text = readFileSync(file, 'utf8')
    .replaceAll('${AWS_ACCOUNT_ID}', ACCOUNT)
    .replaceAll('${AWS_REGION}', REGION);
  return JSON.parse(text) as Record<string, unknown>;
}

export interface EcsServiceSetup {
  service: string;
  /** the example's task-definition file, relative to the example folder */
  taskDefinitionFile: string;
  /** container name → image the first revision runs */
  images: Record<string, string>;
  desiredCount: number;
  circuitBreaker?: boolean;
  maximumPercent?: number;
  minimumHealthyPercent?: number;
}

export async function createEcsState(
  target: SdkTarget,
  exampleDir: string,
  cluster: string,
  services: EcsServiceSetup[]
): Promise<void> {
  const ecs = await import('@aws-sdk/client-ecs');
  const client = new ecs.ECSClient(sdkConfig(target));
  try {
    await client.send(new ecs.CreateClusterCommand({ clusterName: cluster }));
    for (const setup of services) {
      const document = readTaskDefinition(path.join(exampleDir, setup.taskDefinitionFile));
      const containers = (document.containerDefinitions as Array<Record<string, unknown>>).map(container =>
        typeof container.name === 'string' && setup.images[container.name]
          ? { ...container, image: setup.images[container.name] }
          : container
      );
      const registered = await client.send(
        new ecs.RegisterTaskDefinitionCommand({
          ...(document as object),
          containerDefinitions: containers
        } as unknown as ConstructorParameters<typeof ecs.RegisterTaskDefinitionCommand>[0])
      );
      await client.send(
        new ecs.CreateServiceCommand({
          cluster,
          serviceName: setup.service,
          taskDefinition: registered.taskDefinition?.taskDefinitionArn,
          desiredCount: setup.desiredCount,
          launchType: 'FARGATE',
          networkConfiguration: {
            awsvpcConfiguration: {
              subnets: ['subnet-0a1b2c3d4e5f60001', 'subnet-0a1b2c3d4e5f60002'],
              securityGroups: ['sg-0a1b2c3d4e5f60001'],
              assignPublicIp: 'DISABLED'
            }
          },
          deploymentConfiguration: {
            maximumPercent: setup.maximumPercent ?? 200,
            minimumHealthyPercent: setup.minimumHealthyPercent ?? 100,
            ...(setup.circuitBreaker ? { deploymentCircuitBreaker: { enable: true, rollback: true } } : {})
          }
        })
      );
    }
  } finally {
    client.destroy();
  }
}

/** Repositories as the guides create them (scan on push, AES256), before any image is pushed. */
export async function createRepositories(target: SdkTarget, repositories: string[]): Promise<void> {
  const ecr = await import('@aws-sdk/client-ecr');
  const client = new ecr.ECRClient(sdkConfig(target));
  try {
    for (const repositoryName of repositories) {
      await client.send(
        new ecr.CreateRepositoryCommand({
          repositoryName,
          imageScanningConfiguration: { scanOnPush: true },
          encryptionConfiguration: { encryptionType: 'AES256' }
        })
      );
    }
  } finally {
    client.destroy();
  }
}

export interface BeanstalkSetup {
  application: string;
  environment: string;
  bucket: string;
  /** a first version to run, as users get it with `eb create` */
  firstVersion: { label: string; bundleKey: string; bundle: Uint8Array };
  solutionStack: string;
}

export async function createBeanstalkState(
  target: SdkTarget,
  setup: BeanstalkSetup,
  /** lets simulated time pass: the version must be processed before an environment can run it */
  advance: (seconds: number) => void
): Promise<void> {
  const s3 = await import('@aws-sdk/client-s3');
  const eb = await import('@aws-sdk/client-elastic-beanstalk');
  const storage = new s3.S3Client({ ...sdkConfig(target), forcePathStyle: true });
  const client = new eb.ElasticBeanstalkClient(sdkConfig(target));
  try {
    await storage.send(new s3.CreateBucketCommand({ Bucket: setup.bucket }));
    await storage.send(
      new s3.PutObjectCommand({
        Bucket: setup.bucket,
        Key: setup.firstVersion.bundleKey,
        Body: setup.firstVersion.bundle
      })
    );
    await client.send(new eb.CreateApplicationCommand({ ApplicationName: setup.application }));
    await client.send(
      new eb.CreateApplicationVersionCommand({
        ApplicationName: setup.application,
        VersionLabel: setup.firstVersion.label,
        SourceBundle: { S3Bucket: setup.bucket, S3Key: setup.firstVersion.bundleKey },
        Process: true
      })
    );
    advance(60);
    await client.send(
      new eb.CreateEnvironmentCommand({
        ApplicationName: setup.application,
        EnvironmentName: setup.environment,
        VersionLabel: setup.firstVersion.label,
        SolutionStackName: setup.solutionStack
      })
    );
  } finally {
    storage.destroy();
    client.destroy();
  }
}

export interface StaticSiteSetup {
  bucket: string;
  /** the CloudFront distribution id in front of it (seeded in the simulator) */
  distributionId: string;
  aliases?: string[];
}

/**
 * The bucket and the CloudFront distribution in front of it (the README's "aws s3 mb" and distribution).
 * The simulator has no CreateDistribution: the distribution is seeded through its control API.
 */
export async function createStaticSiteState(target: SdkTarget, site: StaticSiteSetup): Promise<void> {
  const s3 = await import('@aws-sdk/client-s3');
  const client = new s3.S3Client({ ...sdkConfig(target), forcePathStyle: true });
  try {
    await client.send(new s3.CreateBucketCommand({ Bucket: site.bucket }));
  } finally {
    client.destroy();
  }
  const response = await fetch(`${target.endpoint}/_sim/cloudfront/distributions`, {
    method: 'POST',
    body: JSON.stringify({ id: site.distributionId, bucket: site.bucket, aliases: site.aliases ?? [] })
  });
  if (!response.ok) throw new Error(`seeding distribution ${site.distributionId}: ${await response.text()}`);
}
