/**
 * STS (Query protocol, XML): GetCallerIdentity, for actions that check who they run as.
 * Every access key is the same IAM user of account 123456789012.
 */
import { SimError } from '../core/errors.js';
import { callerArn } from '../core/permissions.js';
import type { SimContext, SimService, SimServiceModule } from '../core/service.js';
import { toXml } from '../core/xml.js';

function createSts(ctx: SimContext): SimService {
  return {
    name: 'STS',
    aws: {
      protocol: 'query',
      signingName: 'sts',
      xmlNamespace: 'https://sts.amazonaws.com/doc/2011-06-15/',
      throttlingError: { code: 'Throttling', message: 'Rate exceeded', status: 400 },
      operations: {
        GetCallerIdentity: call => {
          if (call.params.Version !== undefined && call.params.Version !== '2011-06-15') {
            throw new SimError(
              'InvalidAction',
              `Could not find operation GetCallerIdentity for version ${String(call.params.Version)}`
            );
          }
          // Temporary keys (ASIA..., e.g. from OIDC) belong to an assumed role; long-term keys to a user.
          const temporary = call.accessKeyId.startsWith('ASIA');
          return [
            toXml('UserId', temporary ? 'AROASIMULATEDROLE0001:github-actions' : 'AIDASIMULATEDUSER0001'),
            toXml('Account', ctx.accountId),
            toXml('Arn', callerArn(ctx.accountId, call.accessKeyId))
          ].join('');
        }
      }
    },
    reset: () => undefined
  };
}

const sts: SimServiceModule = { name: 'STS', create: createSts };
export default sts;
