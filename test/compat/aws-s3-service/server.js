// Upload service: hands out presigned S3 URLs and validates object metadata.
// Follows the AWS SDK for JavaScript v3 Developer Guide ("Create a presigned URL"
// with S3Client + PutObjectCommand + getSignedUrl from @aws-sdk/s3-request-presigner),
// the Node.js "Anatomy of an HTTP Transaction" guide for node:http, and the
// zod / Ajv "Getting started" docs for input validation.
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { S3Client, PutObjectCommand, GetObjectCommand } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { z } from 'zod';
import Ajv from 'ajv';
import _ from 'lodash';
import { addSeconds, format, formatISO, formatDistanceStrict } from 'date-fns';

const PORT = process.env.PORT ?? 8080;
const BUCKET = process.env.S3_BUCKET ?? 'uploads-dev';

const s3 = new S3Client({
  region: process.env.AWS_REGION ?? 'us-east-1',
  endpoint: process.env.S3_ENDPOINT ?? 'http://127.0.0.1:9000',
  forcePathStyle: true,
  credentials: {
    accessKeyId: process.env.AWS_ACCESS_KEY_ID ?? 'AKIAEXAMPLE',
    secretAccessKey: process.env.AWS_SECRET_ACCESS_KEY ?? 'wJalrXUtnFEMI/K7MDENG/bPxRfiCYEXAMPLEKEY',
  },
});

// --- validation -----------------------------------------------------------

const UploadRequest = z.object({
  fileName: z.string().min(1).max(200).regex(/^[\w\- .]+\.[A-Za-z0-9]+$/, 'must look like name.ext'),
  contentType: z.string().regex(/^[\w.+-]+\/[\w.+-]+$/, 'must be a MIME type'),
  folder: z.enum(['avatars', 'documents', 'exports']).default('documents'),
  expiresIn: z.number().int().min(60).max(3600).default(900),
});

const DownloadRequest = z.object({
  key: z.string().min(1),
  expiresIn: z.coerce.number().int().min(60).max(3600).default(300),
});

const ajv = new Ajv({ allErrors: true });

const objectMetadataSchema = {
  type: 'object',
  properties: {
    key: { type: 'string', minLength: 1, maxLength: 1024 },
    size: { type: 'integer', minimum: 0, maximum: 5368709120 },
    contentType: { type: 'string', pattern: '^[\\w.+-]+/[\\w.+-]+$' },
    storageClass: { type: 'string', enum: ['STANDARD', 'STANDARD_IA', 'GLACIER'] },
    tags: {
      type: 'object',
      additionalProperties: { type: 'string', maxLength: 256 },
      maxProperties: 10,
    },
  },
  required: ['key', 'size', 'contentType'],
  additionalProperties: false,
};

const validateObjectMetadata = ajv.compile(objectMetadataSchema);

// --- helpers --------------------------------------------------------------

function sendJson(res, statusCode, payload) {
  const body = JSON.stringify(payload);
  res.writeHead(statusCode, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(body),
  });
  res.end(body);
}

async function readJsonBody(req) {
  const chunks = [];
  for await (const chunk of req) chunks.push(chunk);
  const raw = Buffer.concat(chunks).toString('utf8');
  if (raw === '') return {};
  try {
    return JSON.parse(raw);
  } catch {
    const err = new Error('Request body is not valid JSON');
    err.statusCode = 400;
    throw err;
  }
}

function buildObjectKey({ folder, fileName }) {
  const dot = fileName.lastIndexOf('.');
  const base = _.kebabCase(fileName.slice(0, dot)) || 'file';
  const ext = fileName.slice(dot + 1).toLowerCase();
  return `${folder}/${format(new Date(), 'yyyy/MM/dd')}/${randomUUID()}-${base}.${ext}`;
}

function describeExpiry(now, expiresIn) {
  const expiresAt = addSeconds(now, expiresIn);
  return {
    expiresIn,
    expiresAt: formatISO(expiresAt),
    expiresAtHuman: format(expiresAt, "d MMM yyyy, HH:mm:ss 'UTC'xxx"),
    validFor: formatDistanceStrict(expiresAt, now),
  };
}

// --- handlers -------------------------------------------------------------

async function createUpload(req, res) {
  const body = await readJsonBody(req);
  const parsed = UploadRequest.safeParse(body);
  if (!parsed.success) {
    return sendJson(res, 400, { error: 'Invalid upload request', details: z.flattenError(parsed.error) });
  }

  const input = parsed.data;
  const key = buildObjectKey(input);
  const command = new PutObjectCommand({
    Bucket: BUCKET,
    Key: key,
    ContentType: input.contentType,
    Metadata: { 'original-name': input.fileName },
  });
  const url = await getSignedUrl(s3, command, { expiresIn: input.expiresIn });

  sendJson(res, 201, {
    bucket: BUCKET,
    key,
    method: 'PUT',
    url,
    headers: { 'Content-Type': input.contentType },
    ..._.pick(describeExpiry(new Date(), input.expiresIn), ['expiresIn', 'expiresAt', 'expiresAtHuman', 'validFor']),
  });
}

async function createDownloadUrl(req, res, searchParams) {
  const parsed = DownloadRequest.safeParse(Object.fromEntries(searchParams));
  if (!parsed.success) {
    return sendJson(res, 400, { error: 'Invalid download request', details: z.flattenError(parsed.error) });
  }

  const { key, expiresIn } = parsed.data;
  const command = new GetObjectCommand({ Bucket: BUCKET, Key: key });
  const url = await getSignedUrl(s3, command, { expiresIn });

  sendJson(res, 200, { bucket: BUCKET, key, method: 'GET', url, ...describeExpiry(new Date(), expiresIn) });
}

async function validateObject(req, res) {
  const body = await readJsonBody(req);
  if (!validateObjectMetadata(body)) {
    const errors = _.map(validateObjectMetadata.errors, (e) => ({
      path: e.instancePath || '/',
      message: e.message,
      params: e.params,
    }));
    return sendJson(res, 400, { valid: false, errors });
  }

  sendJson(res, 200, {
    valid: true,
    object: {
      ..._.pick(body, ['key', 'contentType']),
      storageClass: body.storageClass ?? 'STANDARD',
      sizeMiB: _.round(body.size / (1024 * 1024), 2),
      tags: _.sortBy(_.toPairs(body.tags ?? {}), 0).map(([k, v]) => `${k}=${v}`),
    },
    checkedAt: formatISO(new Date()),
  });
}

function health(req, res) {
  sendJson(res, 200, {
    status: 'ok',
    bucket: BUCKET,
    region: process.env.AWS_REGION ?? 'us-east-1',
    uptime: _.round(process.uptime(), 1),
    time: formatISO(new Date()),
  });
}

// --- server ---------------------------------------------------------------

const server = http.createServer(async (req, res) => {
  const { pathname, searchParams } = new URL(req.url, `http://${req.headers.host ?? 'localhost'}`);
  try {
    if (req.method === 'GET' && pathname === '/health') return health(req, res);
    if (req.method === 'POST' && pathname === '/uploads') return await createUpload(req, res);
    if (req.method === 'GET' && pathname === '/downloads') return await createDownloadUrl(req, res, searchParams);
    if (req.method === 'POST' && pathname === '/objects/validate') return await validateObject(req, res);
    sendJson(res, 404, { error: 'Not Found', path: pathname });
  } catch (err) {
    const statusCode = err.statusCode ?? 500;
    if (statusCode >= 500) console.error(err);
    sendJson(res, statusCode, { error: statusCode >= 500 ? 'Internal Server Error' : err.message });
  }
});

server.listen(PORT, () => {
  console.log(`aws-s3-service listening on http://localhost:${PORT}`);
});
