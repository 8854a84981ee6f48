import { awsErrorName } from '../errors.js';
import { lazy, type AwsContext } from '../context.js';
import type {
  ApplicationVersionDescription,
  BeanstalkApi,
  BundleStore,
  EventDescription,
  SingleInstanceHealth
} from './api.js';

/** DescribeEvents pages read per poll at most: a poll must stay two or three calls, not a crawl. */
const MAX_EVENT_PAGES = 3;
/** DescribeInstancesHealth pages read at most (a page holds up to 100 instances). */
const MAX_INSTANCE_PAGES = 2;
/** lib-storage switches to multipart above one part; 8 MiB parts, 4 at a time. */
const UPLOAD_PART_SIZE = 8 * 1024 * 1024;

/**
 * BeanstalkApi over the real SDK client (adaptive retries for throttling and 5xx come from the
 * AwsContext's client config). The SDK module is loaded on first use.
 */
export function sdkBeanstalkApi(context: AwsContext): BeanstalkApi {
  const sdk = lazy(async () => {
    const module = await import('@aws-sdk/client-elastic-beanstalk');
    const client = new module.ElasticBeanstalkClient(
      (await context.clientConfig(
        'elastic-beanstalk'
      )) as import('@aws-sdk/client-elastic-beanstalk').ElasticBeanstalkClientConfig
    );
    return { module, client };
  });
  return {
    async describeApplication(application) {
      const { module, client } = await sdk();
      const result = await client.send(
        new module.DescribeApplicationsCommand({ ApplicationNames: [application] })
      );
      return result.Applications?.find(candidate => candidate.ApplicationName === application);
    },
    async describeEnvironment(application, environment) {
      const { module, client } = await sdk();
      const result = await client.send(
        new module.DescribeEnvironmentsCommand({
          ApplicationName: application,
          EnvironmentNames: [environment],
          IncludeDeleted: false
        })
      );
      return result.Environments?.find(
        candidate => candidate.EnvironmentName === environment && candidate.Status !== 'Terminated'
      );
    },
    async describeEvents(query) {
      const { module, client } = await sdk();
      const events: EventDescription[] = [];
      let nextToken: string | undefined;
      for (let page = 0; page < MAX_EVENT_PAGES; page++) {
        const result = await client.send(
          new module.DescribeEventsCommand({
            ApplicationName: query.application,
            EnvironmentName: query.environment,
            VersionLabel: query.versionLabel,
            StartTime: query.startTime,
            Severity: query.severity,
            MaxRecords: 100,
            NextToken: nextToken
          })
        );
        events.push(...(result.Events ?? []));
        nextToken = result.NextToken;
        if (!nextToken) break;
      }
      return events;
    },
    async describeApplicationVersions(application, labels) {
      if (labels.length === 0) return [];
      const { module, client } = await sdk();
      const result = await client.send(
        new module.DescribeApplicationVersionsCommand({ ApplicationName: application, VersionLabels: labels })
      );
      return result.ApplicationVersions ?? [];
    },
    async listApplicationVersions(application) {
      const { module, client } = await sdk();
      const versions: ApplicationVersionDescription[] = [];
      let nextToken: string | undefined;
      // Bounded: 10 pages of 100 is far more history than a rollback needs.
      for (let page = 0; page < 10; page++) {
        const result = await client.send(
          new module.DescribeApplicationVersionsCommand({
            ApplicationName: application,
            MaxRecords: 100,
            NextToken: nextToken
          })
        );
        versions.push(...(result.ApplicationVersions ?? []));
        nextToken = result.NextToken;
        if (!nextToken) break;
      }
      return versions;
    },
    async createApplicationVersion(request) {
      const { module, client } = await sdk();
      const result = await client.send(
        new module.CreateApplicationVersionCommand({
          ApplicationName: request.application,
          VersionLabel: request.label,
          Description: request.description,
          SourceBundle: { S3Bucket: request.bucket, S3Key: request.key },
          Process: true,
          AutoCreateApplication: false
        })
      );
      return (
        result.ApplicationVersion ?? { ApplicationName: request.application, VersionLabel: request.label }
      );
    },
    async updateEnvironment(request) {
      const { module, client } = await sdk();
      return client.send(
        new module.UpdateEnvironmentCommand({
          ApplicationName: request.application,
          EnvironmentName: request.environment,
          VersionLabel: request.label,
          OptionSettings: request.optionSettings?.length ? request.optionSettings : undefined
        })
      );
    },
    async abortEnvironmentUpdate(_application: string, environment: string) {
      const { module, client } = await sdk();
      await client.send(new module.AbortEnvironmentUpdateCommand({ EnvironmentName: environment }));
    },
    async describeEnvironmentHealth(environment) {
      const { module, client } = await sdk();
      return client.send(
        new module.DescribeEnvironmentHealthCommand({
          EnvironmentName: environment,
          AttributeNames: [
            'Color',
            'HealthStatus',
            'Status',
            'Causes',
            'InstancesHealth',
            'ApplicationMetrics'
          ]
        })
      );
    },
    async describeInstancesHealth(environment) {
      const { module, client } = await sdk();
      const instances: SingleInstanceHealth[] = [];
      let nextToken: string | undefined;
      // Bounded: a failure report shows a few instances, not a fleet's worth of pages.
      for (let page = 0; page < MAX_INSTANCE_PAGES; page++) {
        const result = await client.send(
          new module.DescribeInstancesHealthCommand({
            EnvironmentName: environment,
            AttributeNames: ['HealthStatus', 'Color', 'Causes', 'Deployment'],
            NextToken: nextToken
          })
        );
        instances.push(...(result.InstanceHealthList ?? []));
        nextToken = result.NextToken;
        if (!nextToken) break;
      }
      return instances;
    },
    async requestTailLogs(environment) {
      const { module, client } = await sdk();
      await client.send(
        new module.RequestEnvironmentInfoCommand({ EnvironmentName: environment, InfoType: 'tail' })
      );
    },
    async retrieveTailLogs(environment) {
      const { module, client } = await sdk();
      const result = await client.send(
        new module.RetrieveEnvironmentInfoCommand({ EnvironmentName: environment, InfoType: 'tail' })
      );
      return result.EnvironmentInfo ?? [];
    },
    async createStorageLocation() {
      const { module, client } = await sdk();
      const result = await client.send(new module.CreateStorageLocationCommand({}));
      if (!result.S3Bucket) throw new Error('CreateStorageLocation returned no bucket');
      return result.S3Bucket;
    }
  };
}

function isNotFound(error: unknown): boolean {
  const name = awsErrorName(error);
  const status = (error as { $metadata?: { httpStatusCode?: number } })?.$metadata?.httpStatusCode;
  return name === 'NotFound' || name === 'NoSuchKey' || status === 404;
}

/** BundleStore over the S3 client; uploads through lib-storage's Upload (multipart when large). */
export function sdkBundleStore(context: AwsContext): BundleStore {
  const sdk = lazy(async () => {
    const module = await import('@aws-sdk/client-s3');
    const client = new module.S3Client(
      (await context.clientConfig('s3')) as import('@aws-sdk/client-s3').S3ClientConfig
    );
    return { module, client };
  });
  return {
    async exists(bucket, key) {
      const { module, client } = await sdk();
      try {
        await client.send(new module.HeadObjectCommand({ Bucket: bucket, Key: key }));
        return true;
      } catch (error) {
        if (isNotFound(error)) return false;
        throw error;
      }
    },
    async upload(bucket, key, body, contentType) {
      const { client } = await sdk();
      const { Upload } = await import('@aws-sdk/lib-storage');
      await new Upload({
        client,
        params: { Bucket: bucket, Key: key, Body: body, ContentType: contentType },
        partSize: UPLOAD_PART_SIZE,
        queueSize: 4,
        leavePartsOnError: false
      }).done();
    },
    async getText(bucket, key) {
      const { module, client } = await sdk();
      try {
        const result = await client.send(new module.GetObjectCommand({ Bucket: bucket, Key: key }));
        return result.Body ? await result.Body.transformToString('utf8') : '';
      } catch (error) {
        if (isNotFound(error)) return undefined;
        throw error;
      }
    },
    async putText(bucket, key, text, contentType) {
      const { module, client } = await sdk();
      await client.send(
        new module.PutObjectCommand({ Bucket: bucket, Key: key, Body: text, ContentType: contentType })
      );
    }
  };
}
