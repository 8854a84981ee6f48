/**
 * The AWS wire protocols: how a request names its operation, how parameters are read, and how answers
 * and errors are written, so the SDK's deserializers accept them unchanged.
 */
import { SimError } from './errors.js';
import { json, jsonBody, xml, type HttpReply, type SimRequest } from './http.js';
import type { AwsProtocolSpec } from './service.js';
import { escapeXml, parseQueryParams } from './xml.js';

/** The operation a request calls, for the given service protocol; undefined if it names none. */
export function operationOf(spec: AwsProtocolSpec, req: SimRequest): string | undefined {
  switch (spec.protocol) {
    case 'json1.0':
    case 'json1.1': {
      const target = req.headers['x-amz-target'];
      if (typeof target !== 'string') return undefined;
      const dot = target.indexOf('.');
      return dot >= 0 ? target.slice(dot + 1) : undefined;
    }
    case 'query':
      return queryParams(req).get('Action') ?? undefined;
    default:
      return spec.operationOf?.(req);
  }
}

function queryParams(req: SimRequest): URLSearchParams {
  const params = new URLSearchParams(req.query);
  const type = String(req.headers['content-type'] ?? '');
  if (type.includes('application/x-www-form-urlencoded') || (req.method === 'POST' && req.body.length > 0)) {
    for (const [key, value] of new URLSearchParams(req.body.toString('utf8'))) params.append(key, value);
  }
  return params;
}

/** Parameters for the handler; a malformed JSON body is the SerializationException AWS returns. */
export function paramsOf(spec: AwsProtocolSpec, req: SimRequest): Record<string, unknown> {
  switch (spec.protocol) {
    case 'json1.0':
    case 'json1.1':
    case 'rest-json': {
      if (spec.protocol === 'rest-json' && req.body.length === 0) return {};
      const body = jsonBody(req);
      if (body === undefined || typeof body !== 'object' || body === null || Array.isArray(body)) {
        throw new SimError('SerializationException', 'Start of structure or map found where not expected.');
      }
      return body as Record<string, unknown>;
    }
    case 'query':
      return parseQueryParams(queryParams(req));
    default:
      return {};
  }
}

export function successReply(
  spec: AwsProtocolSpec,
  operation: string,
  result: unknown,
  requestId: string
): HttpReply {
  switch (spec.protocol) {
    case 'json1.0':
    case 'json1.1':
      return json(200, result ?? {}, {
        'content-type': `application/x-amz-json-${spec.protocol === 'json1.0' ? '1.0' : '1.1'}`,
        'x-amzn-requestid': requestId
      });
    case 'query': {
      const ns = spec.xmlNamespace ? ` xmlns="${spec.xmlNamespace}"` : '';
      const inner = typeof result === 'string' ? result : '';
      return xml(
        200,
        `<${operation}Response${ns}><${operation}Result>${inner}</${operation}Result>` +
          `<ResponseMetadata><RequestId>${requestId}</RequestId></ResponseMetadata></${operation}Response>`,
        { 'x-amzn-requestid': requestId }
      );
    }
    default: {
      const reply = result as HttpReply;
      return { ...reply, headers: { 'x-amz-request-id': requestId, ...reply.headers } };
    }
  }
}

export function errorReply(spec: AwsProtocolSpec | undefined, error: SimError, requestId: string): HttpReply {
  const protocol = spec?.protocol ?? 'json1.1';
  switch (protocol) {
    case 'query':
      return xml(
        error.status,
        `<ErrorResponse${spec?.xmlNamespace ? ` xmlns="${spec.xmlNamespace}"` : ''}><Error><Type>${error.fault}</Type>` +
          `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
          `<RequestId>${requestId}</RequestId></ErrorResponse>`,
        { 'x-amzn-requestid': requestId }
      );
    case 'rest-xml':
      // CloudFront-style REST-XML services (an xmlNamespace) wrap the error as Query services do
      if (spec?.xmlNamespace) {
        return xml(
          error.status,
          `<?xml version="1.0" encoding="UTF-8"?>\n<ErrorResponse xmlns="${spec.xmlNamespace}"><Error><Type>${error.fault}</Type>` +
            `<Code>${escapeXml(error.code)}</Code><Message>${escapeXml(error.message)}</Message></Error>` +
            `<RequestId>${requestId}</RequestId></ErrorResponse>`,
          { 'x-amzn-requestid': requestId }
        );
      }
      return xml(
        error.status,
        `<?xml version="1.0" encoding="UTF-8"?>\n<Error><Code>${escapeXml(error.code)}</Code>` +
          `<Message>${escapeXml(error.message)}</Message><RequestId>${requestId}</RequestId></Error>`,
        { 'x-amz-request-id': requestId }
      );
    default:
      return json(
        error.status,
        { __type: error.code, message: error.message, ...error.extra },
        {
          'content-type': protocol === 'rest-json' ? 'application/json' : 'application/x-amz-json-1.1',
          'x-amzn-errortype': error.code,
          'x-amzn-requestid': requestId
        }
      );
  }
}

/** AWS's answer to an unsigned request. */
export function missingAuthentication(): SimError {
  return new SimError('MissingAuthenticationTokenException', 'Missing Authentication Token', 403);
}

export function serviceUnavailable(): SimError {
  return new SimError(
    'ServiceUnavailable',
    'Service is unavailable. Please try again later. (simulated fault)',
    503
  );
}
