import { afterEach, beforeEach, describe, expect, it } from '@jest/globals';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { RunningSimulator } from '../src/index.js';
import { credentials, frozenSim } from './helpers.js';

let sim: RunningSimulator;
beforeEach(async () => {
  sim = await frozenSim();
});
afterEach(async () => sim.close());

describe('STS', () => {
  it('answers GetCallerIdentity for any credentials, with the region from the credential scope', async () => {
    const sts = new STSClient({ endpoint: sim.endpoint, region: 'eu-west-1', credentials });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    expect(out).toMatchObject({
      Account: '123456789012',
      Arn: 'arn:aws:iam::123456789012:user/deploy-suite-sim',
      UserId: 'AIDASIMULATEDUSER0001'
    });
    const oidc = new STSClient({
      endpoint: sim.endpoint,
      region: 'us-east-1',
      credentials: { accessKeyId: 'ASIAEXAMPLE', secretAccessKey: 's', sessionToken: 't' }
    });
    expect((await oidc.send(new GetCallerIdentityCommand({}))).Arn).toMatch(/:assumed-role\//);
  });

  it('throttles with the Query error shape that the SDK retries', async () => {
    sim.control.faults({ operation: 'STS.GetCallerIdentity', throttle: 1, times: 1 });
    const sts = new STSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials });
    const out = await sts.send(new GetCallerIdentityCommand({}));
    expect(out.$metadata.attempts).toBe(2);
    sim.control.faults({ operation: 'STS.GetCallerIdentity', throttle: 1 });
    const once = new STSClient({ endpoint: sim.endpoint, region: 'us-east-1', credentials, maxAttempts: 1 });
    const err = (await once.send(new GetCallerIdentityCommand({})).catch(e => e)) as Error;
    expect(err.name).toBe('Throttling');
    expect(sim.control.calls()['STS.GetCallerIdentity']).toBe(3);
  });

  it('rejects an unsigned Query request', async () => {
    const res = await fetch(sim.endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: 'Action=GetCallerIdentity&Version=2011-06-15'
    });
    expect(res.status).toBe(403);
  });
});

describe('GitHub issue comments', () => {
  const api = () => `${sim.endpoint}/github/repos/octo-org/docuthinker/issues`;
  const call = async (method: string, url: string, token: string | undefined, body?: unknown) => {
    const res = await fetch(url, {
      method,
      headers: { ...(token ? { authorization: `token ${token}` } : {}), 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body)
    });
    return { status: res.status, body: (await res.json()) as Record<string, unknown> & unknown[] };
  };

  it('creates, lists and updates comments as the token user', async () => {
    const created = await call('POST', `${api()}/42/comments`, 'ghs_abc', {
      body: '<!-- health:staging -->\nok'
    });
    expect(created.status).toBe(201);
    expect(created.body).toMatchObject({
      body: '<!-- health:staging -->\nok',
      user: { login: 'github-actions[bot]', type: 'Bot' },
      html_url: expect.stringMatching(
        /^https:\/\/github.com\/octo-org\/docuthinker\/issues\/42#issuecomment-\d+$/
      )
    });
    const id = created.body.id as number;
    await call('POST', `${api()}/43/comments`, 'ghs_abc', { body: 'other PR' });
    const listed = await call('GET', `${api()}/42/comments?per_page=100`, 'ghs_abc');
    expect((listed.body as { id: number }[]).map(c => c.id)).toEqual([id]);
    const updated = await call('PATCH', `${api()}/comments/${id}`, 'Bearer-ignored', { body: 'updated' });
    expect(updated.status).toBe(200);
    expect(updated.body.body).toBe('updated');
    expect((await call('PATCH', `${api()}/comments/999`, 'x', { body: 'y' })).status).toBe(404);
    expect((await call('POST', `${api()}/42/comments`, 'x', {})).status).toBe(422);
    expect(sim.control.calls()).toMatchObject({
      'GitHub.CreateComment': 3,
      'GitHub.ListComments': 1,
      'GitHub.UpdateComment': 2
    });
  });

  it('lists the pull requests whose head is a commit (a fork too), registered with githubPull', async () => {
    const sha = 'ab'.repeat(20);
    sim.control.githubPull({
      owner: 'octo-org',
      repo: 'docuthinker',
      number: 7,
      headSha: sha,
      headRepository: 'fork/docuthinker'
    });
    const base = `${sim.endpoint}/github/repos/octo-org/docuthinker/commits`;
    const found = await call('GET', `${base}/${sha}/pulls`, 'ghs_abc');
    expect(found.body).toEqual([
      expect.objectContaining({
        number: 7,
        state: 'open',
        head: { sha, repo: { full_name: 'fork/docuthinker' } }
      })
    ]);
    expect((await call('GET', `${base}/${'cd'.repeat(20)}/pulls`, 'ghs_abc')).body).toEqual([]);
    expect((await call('GET', `${base}/${sha}/pulls`, '')).status).toBe(401);
  });

  it('paginates with a Link header', async () => {
    for (let i = 0; i < 3; i++) await call('POST', `${api()}/7/comments`, 't', { body: `c${i}` });
    const res = await fetch(`${api()}/7/comments?per_page=2`, { headers: { authorization: 'Bearer t' } });
    expect(res.headers.get('link')).toMatch(/page=2>; rel="next"/);
    expect(((await res.json()) as unknown[]).length).toBe(2);
  });

  it('answers 401 without a token and 403 for a read-only token', async () => {
    expect((await call('GET', `${api()}/42/comments`, undefined)).status).toBe(401);
    sim.control.githubToken({ token: 'fork-token', readOnly: true });
    const denied = await call('POST', `${api()}/42/comments`, 'fork-token', { body: 'hi' });
    expect(denied.status).toBe(403);
    expect(denied.body.message).toBe('Resource not accessible by integration');
    expect((await call('GET', `${api()}/42/comments`, 'fork-token')).status).toBe(200);
    // over HTTP too, with another login
    await fetch(`${sim.endpoint}/_sim/github/tokens`, {
      method: 'POST',
      body: JSON.stringify({ token: 'pat', login: 'octocat' })
    });
    expect((await call('POST', `${api()}/42/comments`, 'pat', { body: 'hi' })).body.user).toMatchObject({
      login: 'octocat'
    });
  });
});
