import { describe, expect, it } from '@jest/globals';
import { FakeClock, MemoryLogger, fakeAwsError } from '@deploy-suite/testing';
import {
  HealthCauses,
  healthViewKey,
  healthViewOf,
  normalizeCause
} from '../../src/beanstalk/health-causes.js';
import { diagnoseFailure, diagnosisMarkdown, parseTail } from '../../src/beanstalk/diagnosis.js';
import { logLineRedactor } from '@deploy-suite/core';
import type { BeanstalkApi, EnvironmentHealth } from '../../src/beanstalk/api.js';

const ENV = 'chatrelay-prod';
const INSTANCE = 'i-0a1b2c3d4e5f60718';

function severe(unhealthyFor: string): EnvironmentHealth {
  return {
    EnvironmentName: ENV,
    HealthStatus: 'Severe',
    Color: 'Red',
    Causes: [
      '100.0 % of the requests are failing with HTTP 5xx.',
      `Process default has been unhealthy for ${unhealthyFor} (Target.FailedHealthChecks).`
    ],
    InstancesHealth: { Ok: 0, Severe: 1, NoData: 0 },
    ApplicationMetrics: {
      Duration: 10,
      RequestCount: 60,
      StatusCodes: { Status2xx: 0, Status3xx: 0, Status4xx: 0, Status5xx: 60 },
      Latency: { P99: 0.003 }
    }
  };
}

describe('health causes: change detection', () => {
  it('takes causes that differ only by elapsed time as the same, and a new cause as a change', () => {
    expect(
      normalizeCause('Process default has been unhealthy for 45 seconds (Target.FailedHealthChecks).')
    ).toBe(normalizeCause('Process default has been unhealthy for 3 minutes (Target.FailedHealthChecks).'));
    expect(normalizeCause('Application deployment failed at 2026-12-02T03:40:05Z with exit status 1')).toBe(
      normalizeCause('Application deployment failed at 2026-12-02T03:41:15Z with exit status 1')
    );
    const a = healthViewOf(severe('45 seconds'));
    const b = healthViewOf(severe('2 minutes'));
    expect(healthViewKey(a)).toBe(healthViewKey(b));
    const c = healthViewOf({ ...severe('2 minutes'), Causes: ['Command failed on all instances.'] });
    expect(healthViewKey(c)).not.toBe(healthViewKey(a));
    const d = healthViewOf({ ...severe('2 minutes'), InstancesHealth: { Ok: 1 }, HealthStatus: 'Ok' });
    expect(healthViewKey(d)).not.toBe(healthViewKey(a));
  });

  it('prints when the causes change, not on every look; asks for instances only when one is not Ok', async () => {
    let health = severe('45 seconds');
    const api = {
      calls: [] as string[],
      async describeEnvironmentHealth() {
        this.calls.push('env');
        return health;
      },
      async describeInstancesHealth() {
        this.calls.push('instances');
        return [
          {
            InstanceId: INSTANCE,
            HealthStatus: 'Severe',
            Causes: [
              'ECS task stopped due to: Essential container in task exited. (agent-service: exit code 1)'
            ]
          }
        ];
      }
    };
    const logger = new MemoryLogger();
    const causes = new HealthCauses(api, ENV, logger);
    expect(causes.printIfChanged(await causes.read())).toBe(true);
    health = severe('55 seconds');
    expect(causes.printIfChanged(await causes.read())).toBe(false);
    health = {
      ...severe('1 minute'),
      HealthStatus: 'Ok',
      Color: 'Green',
      Causes: [],
      InstancesHealth: { Ok: 1 }
    };
    expect(causes.printIfChanged(await causes.read())).toBe(true);
    expect(api.calls).toEqual(['env', 'instances', 'env', 'instances', 'env']);
    expect(logger.text().split('\n')).toEqual([
      'Health of chatrelay-prod: Severe (Red); instances: 1 Severe; 60 requests in 10s: 100% 5xx, p99 0.003s',
      '  cause: 100.0 % of the requests are failing with HTTP 5xx.',
      '  cause: Process default has been unhealthy for 45 seconds (Target.FailedHealthChecks).',
      `  ${INSTANCE} (Severe): ECS task stopped due to: Essential container in task exited. (agent-service: exit code 1)`,
      'Health of chatrelay-prod: Ok (Green); instances: 1 Ok; 60 requests in 10s: 100% 5xx, p99 0.003s',
      '  no causes given'
    ]);
  });

  it('basic health: said once, no more calls; a refusal: a warning naming the permission', async () => {
    const basic = {
      calls: 0,
      async describeEnvironmentHealth(): Promise<EnvironmentHealth> {
        this.calls++;
        throw fakeAwsError('InvalidRequestException', 'DescribeEnvironmentHealth is not supported.');
      }
    };
    const logger = new MemoryLogger();
    const causes = new HealthCauses(basic, ENV, logger);
    expect(await causes.read()).toBeUndefined();
    expect(await causes.read()).toBeUndefined();
    expect(basic.calls).toBe(1);
    expect(logger.text()).toBe(
      'Health causes are not available: chatrelay-prod uses basic health reporting (enhanced health gives the causes `eb health` shows)'
    );
    const denied = new HealthCauses(
      {
        describeEnvironmentHealth: async () =>
          Promise.reject(fakeAwsError('AccessDenied', 'User: ... is not authorized', 403))
      },
      ENV,
      logger
    );
    expect(await denied.read()).toBeUndefined();
    expect(logger.messages('warning')).toEqual([
      expect.stringMatching(
        /^Health causes not shown: elasticbeanstalk:DescribeEnvironmentHealth is not allowed/
      )
    ]);
  });
});

const TAIL = [
  '----------------------------------------',
  '/var/log/eb-engine.log',
  '----------------------------------------',
  '2026/12/02 03:40:05.000000 [ERROR] An error occurred during execution of command [app-deploy]',
  '',
  '----------------------------------------',
  '/var/log/containers/agent-service-stdouterr.log',
  '----------------------------------------',
  ...Array.from({ length: 40 }, (_, index) => `line ${index + 1}`),
  ''
].join('\n');

describe('tail logs: parsing and trimming', () => {
  it('splits the tail into its files and keeps the last lines of each', () => {
    expect(parseTail(TAIL, 3)).toEqual([
      {
        path: '/var/log/eb-engine.log',
        lines: [
          '2026/12/02 03:40:05.000000 [ERROR] An error occurred during execution of command [app-deploy]'
        ],
        truncated: false
      },
      {
        path: '/var/log/containers/agent-service-stdouterr.log',
        lines: ['line 38', 'line 39', 'line 40'],
        truncated: true
      }
    ]);
    expect(parseTail('plain text\nwithout headers\n', 30)).toEqual([
      { path: '(tail)', lines: ['plain text', 'without headers'], truncated: false }
    ]);
    expect(parseTail(TAIL.replace(/\n/g, '\r\n'), 1)[1].lines).toEqual(['line 40']);
  });

  it('masks known values, URL credentials and query values, and breaks workflow commands', () => {
    const redact = logLineRedactor(['sk-live-0123456789abcdef']);
    expect(redact('OPENAI_API_KEY=sk-live-0123456789abcdef')).toBe('OPENAI_API_KEY=***');
    expect(redact('redis://chatrelay:hunter2@10.0.2.41:6379')).toBe('redis://10.0.2.41:6379');
    expect(redact('GET https://api.example.com/v1?token=abc123&x=1')).toBe(
      'GET https://api.example.com/v1?token=***&x=***'
    );
    expect(redact('::set-output name=x::y')).toBe(': :set-output name=x::y');
  });

  it('the summary fences each file, with a fence no log line can close, and truncates long files', () => {
    const long = 'x'.repeat(5000);
    const markdown = diagnosisMarkdown(ENV, undefined, [
      { instance: INSTANCE, files: [{ path: '/var/log/a.log', lines: [long, '```'], truncated: false }] }
    ]);
    expect(markdown).toMatch(
      /^Last lines of `\/var\/log\/a\.log` on `i-0a1b2c3d4e5f60718`:\n\n````text\n…x+\n```\n````$/
    );
    expect(markdown.length).toBeLessThan(3200);
  });
});

describe('diagnoseFailure', () => {
  const clock = () => new FakeClock(Date.parse('2026-12-02T03:40:00Z'));

  function tailApi(options: { compileAfterMs?: number; deny?: string } = {}) {
    const c = clock();
    let requestedAt: number | undefined;
    const api: Pick<BeanstalkApi, 'requestTailLogs' | 'retrieveTailLogs'> = {
      async requestTailLogs() {
        if (options.deny === 'request') throw fakeAwsError('AccessDenied', 'not authorized', 403);
        requestedAt = c.now();
      },
      async retrieveTailLogs() {
        if (options.deny === 'retrieve') throw fakeAwsError('AccessDenied', 'not authorized', 403);
        if (requestedAt === undefined || c.now() < requestedAt + (options.compileAfterMs ?? 5000)) return [];
        return [
          {
            InfoType: 'tail',
            Ec2InstanceId: INSTANCE,
            SampleTimestamp: new Date(requestedAt + 5000),
            Message:
              'https://elasticbeanstalk-us-east-1-123456789012.s3.amazonaws.com/resources/TailLogs-1.out?X-Amz-Signature=abcdef0123'
          }
        ];
      }
    };
    return { api, clock: c };
  }

  it('fetches the tail once compiled, prints it per instance, never the URL', async () => {
    const { api, clock } = tailApi();
    const logger = new MemoryLogger();
    const urls: string[] = [];
    const diagnosis = await diagnoseFailure({
      api,
      environment: ENV,
      logger,
      lines: 2,
      clock,
      env: {},
      download: async url => {
        urls.push(url);
        return TAIL;
      }
    });
    expect(urls).toHaveLength(1);
    expect(diagnosis.tails[0].files[1].lines).toEqual(['line 39', 'line 40']);
    expect(logger.text()).toContain(
      '--- /var/log/containers/agent-service-stdouterr.log, last 2 lines:\n  line 39\n  line 40'
    );
    expect(logger.text()).not.toMatch(/X-Amz-Signature|s3\.amazonaws\.com/);
    expect(diagnosis.markdown).not.toMatch(/X-Amz-Signature/);
  });

  it('is bounded in time: a tail never compiled is a warning after the wait', async () => {
    const { api, clock } = tailApi({ compileAfterMs: 10 * 60_000 });
    const logger = new MemoryLogger();
    const started = clock.now();
    const diagnosis = await diagnoseFailure({
      api,
      environment: ENV,
      logger,
      lines: 30,
      clock,
      env: {},
      waitMs: 30_000
    });
    expect(diagnosis.tails).toEqual([]);
    expect(clock.now() - started).toBeLessThanOrEqual(35_000);
    expect(logger.messages('warning')).toEqual([expect.stringMatching(/had not compiled them after 30s/)]);
  });

  it('a refused RequestEnvironmentInfo is a warning naming it; a failed download is a warning without the URL', async () => {
    const denied = tailApi({ deny: 'request' });
    const logger = new MemoryLogger();
    await diagnoseFailure({
      api: denied.api,
      environment: ENV,
      logger,
      lines: 30,
      clock: denied.clock,
      env: {}
    });
    expect(logger.messages('warning')).toEqual([
      expect.stringMatching(/^Tail logs not shown: elasticbeanstalk:RequestEnvironmentInfo is not allowed/)
    ]);
    const failing = tailApi();
    const second = new MemoryLogger();
    await diagnoseFailure({
      api: failing.api,
      environment: ENV,
      logger: second,
      lines: 30,
      clock: failing.clock,
      env: {},
      download: async () => Promise.reject(new Error('S3 answered HTTP 403'))
    });
    expect(second.messages('warning')).toEqual([`Tail logs of ${INSTANCE} not read: S3 answered HTTP 403`]);
  });
});

describe('diagnoseFailure: the tail download', () => {
  it('goes through HTTP_PROXY (CONNECT), and a tail larger than 2 MiB is refused without the URL', async () => {
    const http = await import('node:http');
    const net = await import('node:net');
    const origin = http.createServer((request, response) => {
      if (request.url?.startsWith('/big')) response.end('x'.repeat(3 * 1024 * 1024));
      else response.end(TAIL);
    });
    const tunnels: string[] = [];
    const proxy = http.createServer();
    proxy.on('connect', (request, socket) => {
      tunnels.push(request.url ?? '');
      const [host, port] = (request.url ?? '').split(':');
      // a refused (too large) tail destroys the tunnel: resets are expected, not failures
      socket.on('error', () => undefined);
      const upstream = net.connect(Number(port), host, () => {
        socket.write('HTTP/1.1 200 Connection Established\r\n\r\n');
        upstream.pipe(socket);
        socket.pipe(upstream);
      });
      upstream.on('error', () => socket.destroy());
    });
    await Promise.all(
      [origin, proxy].map(server => new Promise<void>(resolve => server.listen(0, '127.0.0.1', resolve)))
    );
    const port = (server: typeof origin) => (server.address() as { port: number }).port;
    try {
      const c = new FakeClock(Date.parse('2026-12-02T03:40:00Z'));
      let path = '/tail';
      let requested = false;
      const api: Pick<BeanstalkApi, 'requestTailLogs' | 'retrieveTailLogs'> = {
        requestTailLogs: async () => {
          requested = true;
        },
        retrieveTailLogs: async () =>
          requested
            ? [
                {
                  InfoType: 'tail',
                  Ec2InstanceId: INSTANCE,
                  SampleTimestamp: new Date(c.now()),
                  Message: `http://127.0.0.1:${port(origin)}${path}?X-Amz-Signature=planted-signature-0123`
                }
              ]
            : []
      };
      const env = { HTTP_PROXY: `http://127.0.0.1:${port(proxy)}` };
      const logger = new MemoryLogger();
      const diagnosis = await diagnoseFailure({ api, environment: ENV, logger, lines: 1, clock: c, env });
      expect(diagnosis.tails[0].files.map(file => file.lines)).toEqual([
        ['2026/12/02 03:40:05.000000 [ERROR] An error occurred during execution of command [app-deploy]'],
        ['line 40']
      ]);
      expect(tunnels).toEqual([`127.0.0.1:${port(origin)}`]);

      path = '/big';
      requested = false;
      const big = new MemoryLogger();
      await diagnoseFailure({ api, environment: ENV, logger: big, lines: 1, clock: c, env });
      expect(big.messages('warning')).toEqual([
        `Tail logs of ${INSTANCE} not read: the tail is larger than 2097152 bytes`
      ]);
      expect(big.text() + logger.text()).not.toContain('planted-signature-0123');
    } finally {
      await Promise.all(
        [origin, proxy].map(
          server =>
            new Promise<void>(resolve => {
              server.closeAllConnections?.();
              server.close(() => resolve());
            })
        )
      );
    }
  });
});
