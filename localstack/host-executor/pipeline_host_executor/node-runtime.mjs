// @ts-check
/**
 * A Lambda runtime for Node.js: the client side of the Lambda Runtime API (2018-06-01), as AWS's
 * Node.js runtime implements it, for the host executor.
 *
 * Init: load `_HANDLER` (`<module>.<export>`, the module `.mjs`, `.js` or `.cjs` under
 * LAMBDA_TASK_ROOT); on failure post /init/error with Lambda's error types
 * (Runtime.MalformedHandlerName, Runtime.ImportModuleError, Runtime.HandlerNotFound) and exit.
 * Then, forever: GET /invocation/next, call the handler with the event and a context, post
 * /response with the JSON result, or /error with `{errorType, errorMessage, stackTrace}`.
 * An uncaught exception or unhandled rejection fails the invocation in flight and ends the
 * process, as on Lambda; the executor starts a new one for the next invocation.
 *
 * Why not AWS's own client (`aws-lambda-ric` on npm): its current release needs Node.js 22, and
 * older ones compile a native HTTP client from source at install time. This file has no
 * dependencies and runs on the host's Node.js.
 */
import { existsSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';

const [host, port] = (process.env.AWS_LAMBDA_RUNTIME_API ?? '').split(':');
const base = '/2018-06-01/runtime';

/**
 * One Runtime API call. No timeout: `next` waits as long as the environment is idle.
 * @param {'GET' | 'POST'} method
 * @param {string} path
 * @param {string} [body]
 * @param {Record<string, string>} [headers]
 * @returns {Promise<{ status: number, headers: import('node:http').IncomingHttpHeaders, body: string }>}
 */
function call(method, path, body, headers = {}) {
  return new Promise((resolve, reject) => {
    const req = request({ host, port: Number(port), method, path: `${base}${path}`, headers: { ...headers, ...(body === undefined ? {} : { 'Content-Length': Buffer.byteLength(body) }) } }, (res) => {
      const chunks = /** @type {Buffer[]} */ ([]);
      res.on('data', (chunk) => chunks.push(chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: Buffer.concat(chunks).toString('utf8') }));
      res.on('error', reject);
    });
    req.on('error', reject);
    req.end(body);
  });
}

/**
 * Lambda's error document for an error (or anything thrown).
 * @param {unknown} error
 * @param {string} [type]
 */
function errorDocument(error, type) {
  const e = error instanceof Error ? error : new Error(String(error));
  return { errorType: type ?? e.name, errorMessage: e.message, stackTrace: (e.stack ?? '').split('\n') };
}

/** @param {string} type @param {string} message */
function runtimeError(type, message) {
  const error = new Error(message);
  error.name = type;
  return error;
}

/** @returns {Promise<(event: unknown, context: object) => unknown>} */
async function loadHandler() {
  const spec = process.env._HANDLER ?? '';
  const dot = spec.lastIndexOf('.');
  if (dot <= 0 || dot === spec.length - 1) throw runtimeError('Runtime.MalformedHandlerName', `Bad handler ${spec}`);
  const [modulePath, name] = [spec.slice(0, dot), spec.slice(dot + 1)];
  const root = process.env.LAMBDA_TASK_ROOT ?? process.cwd();
  const file = ['.mjs', '.js', '.cjs'].map((ext) => join(root, `${modulePath}${ext}`)).find((path) => existsSync(path));
  if (file === undefined) throw runtimeError('Runtime.ImportModuleError', `Error: Cannot find module '${modulePath}'`);
  let module;
  try {
    module = await import(pathToFileURL(file).href);
  } catch (error) {
    throw runtimeError('Runtime.ImportModuleError', String(error instanceof Error ? error.stack : error));
  }
  const handler = module[name] ?? module.default?.[name];
  if (typeof handler !== 'function') throw runtimeError('Runtime.HandlerNotFound', `${spec} is undefined or not exported`);
  return handler;
}

/** The invocation in flight, so that a crash can still fail it. */
let current = /** @type {string | undefined} */ (undefined);

/** @param {unknown} error */
async function crash(error) {
  const doc = errorDocument(error, error instanceof Error ? undefined : 'Runtime.UnhandledPromiseRejection');
  process.stderr.write(`${new Date().toISOString()}\t${current ?? 'undefined'}\tERROR\t${JSON.stringify(doc)}\n`);
  if (current !== undefined) await call('POST', `/invocation/${current}/error`, JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' }).catch(() => {});
  process.exit(129);
}
process.on('uncaughtException', crash);
process.on('unhandledRejection', crash);

let handler;
try {
  handler = await loadHandler();
} catch (error) {
  const doc = errorDocument(error);
  process.stderr.write(`${new Date().toISOString()}\tundefined\tERROR\t${JSON.stringify(doc)}\n`);
  await call('POST', '/init/error', JSON.stringify(doc), { 'Lambda-Runtime-Function-Error-Type': doc.errorType });
  process.exit(1);
}

for (;;) {
  const next = await call('GET', '/invocation/next');
  if (next.status !== 200) process.exit(0); // the environment is stopping
  const requestId = String(next.headers['lambda-runtime-aws-request-id']);
  const deadline = Number(next.headers['lambda-runtime-deadline-ms']);
  const trace = next.headers['lambda-runtime-trace-id'];
  if (typeof trace === 'string') process.env._X_AMZN_TRACE_ID = trace;
  else delete process.env._X_AMZN_TRACE_ID;
  current = requestId;
  const context = {
    awsRequestId: requestId,
    invokedFunctionArn: String(next.headers['lambda-runtime-invoked-function-arn']),
    functionName: process.env.AWS_LAMBDA_FUNCTION_NAME,
    functionVersion: process.env.AWS_LAMBDA_FUNCTION_VERSION,
    memoryLimitInMB: process.env.AWS_LAMBDA_FUNCTION_MEMORY_SIZE,
    logGroupName: process.env.AWS_LAMBDA_LOG_GROUP_NAME,
    logStreamName: process.env.AWS_LAMBDA_LOG_STREAM_NAME,
    callbackWaitsForEmptyEventLoop: true,
    getRemainingTimeInMillis: () => Math.max(0, deadline - Date.now()),
  };
  let outcome;
  try {
    const event = JSON.parse(next.body);
    const result = await handler(event, context);
    outcome = { path: `/invocation/${requestId}/response`, body: JSON.stringify(result ?? null), headers: {} };
  } catch (error) {
    const doc = errorDocument(error);
    process.stderr.write(`${new Date().toISOString()}\t${requestId}\tERROR\tInvoke Error \t${JSON.stringify(doc)}\n`);
    outcome = { path: `/invocation/${requestId}/error`, body: JSON.stringify(doc), headers: { 'Lambda-Runtime-Function-Error-Type': 'Unhandled' } };
  }
  current = undefined;
  await call('POST', outcome.path, outcome.body, outcome.headers);
}
