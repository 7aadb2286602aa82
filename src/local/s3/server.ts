/**
 * A small local S3 for the documents the state machine passes by reference (s3rver, the npm
 * candidate, was last released in 2021 and predates the SDK v3 default of aws-chunked uploads with
 * checksum trailers). Path-style only (`http://127.0.0.1:PORT/bucket/key`, which SDK v3 uses for an
 * IP-address endpoint): CreateBucket, HeadBucket, DeleteBucket, ListBuckets, PutObject, GetObject,
 * HeadObject, DeleteObject, ListObjectsV2. Objects live under `<dataDir>/s3/<bucket>/`. Errors are
 * S3's XML `<Error><Code>..</Code><Message>..</Message></Error>`. Signatures are not verified.
 */
import { createHash, randomUUID } from 'node:crypto';
import { mkdir, readFile, readdir, rm, stat, writeFile, rename } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { join } from 'node:path';
import { listenOnLoopback } from '../http-listen.js';

interface ObjectMeta {
  key: string;
  etag: string;
  size: number;
  lastModified: string;
  contentType: string;
  metadata: Record<string, string>;
  serverSideEncryption?: string;
}

class S3Error extends Error {
  constructor(readonly status: number, readonly code: string, message: string) {
    super(message);
  }
}

const BUCKET_NAME = /^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/;

function xmlEscape(value: string): string {
  return value.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    request.on('data', (c: Buffer) => chunks.push(c));
    request.on('end', () => resolve(Buffer.concat(chunks)));
    request.on('error', reject);
  });
}

/** Decodes `aws-chunked` bodies: `<hex size>[;chunk-signature=..]\r\n<data>\r\n ... 0\r\n<trailers>\r\n\r\n`. */
export function decodeAwsChunked(raw: Buffer): Buffer {
  const parts: Buffer[] = [];
  let offset = 0;
  while (offset < raw.length) {
    const lineEnd = raw.indexOf('\r\n', offset);
    if (lineEnd < 0) break;
    const size = Number.parseInt(raw.subarray(offset, lineEnd).toString('ascii').split(';')[0] ?? '', 16);
    if (!Number.isFinite(size)) throw new S3Error(400, 'IncompleteBody', 'malformed aws-chunked body');
    if (size === 0) break;
    parts.push(raw.subarray(lineEnd + 2, lineEnd + 2 + size));
    offset = lineEnd + 2 + size + 2;
  }
  return Buffer.concat(parts);
}

/** Object file names: the key, URI-encoded so any key maps to one flat file. */
const fileOf = (key: string): string => encodeURIComponent(key).replace(/\./g, '%2E');

export interface LocalS3 {
  readonly url: string;
  close(): Promise<void>;
}

export async function startLocalS3(options: { dataDir: string; port?: number; host?: string }): Promise<LocalS3> {
  const root = join(options.dataDir, 's3');
  await mkdir(root, { recursive: true });

  const bucketDir = async (bucket: string): Promise<string> => {
    const dir = join(root, bucket);
    try {
      await stat(dir);
    } catch {
      throw new S3Error(404, 'NoSuchBucket', 'The specified bucket does not exist');
    }
    return dir;
  };
  const readMeta = async (dir: string, key: string): Promise<ObjectMeta> => {
    try {
      return JSON.parse(await readFile(join(dir, `${fileOf(key)}.meta.json`), 'utf8')) as ObjectMeta;
    } catch {
      throw new S3Error(404, 'NoSuchKey', 'The specified key does not exist.');
    }
  };
  const objectHeaders = (meta: ObjectMeta): Record<string, string> => ({
    etag: meta.etag,
    'last-modified': new Date(meta.lastModified).toUTCString(),
    'content-type': meta.contentType,
    'content-length': String(meta.size),
    'accept-ranges': 'bytes',
    ...(meta.serverSideEncryption ? { 'x-amz-server-side-encryption': meta.serverSideEncryption } : {}),
    ...Object.fromEntries(Object.entries(meta.metadata).map(([k, v]) => [`x-amz-meta-${k}`, v])),
  });

  const handle = async (request: IncomingMessage, response: ServerResponse): Promise<void> => {
    const url = new URL(request.url ?? '/', 'http://localhost');
    const segments = url.pathname.split('/').slice(1);
    const bucket = decodeURIComponent(segments[0] ?? '');
    const key = segments.slice(1).map((s) => decodeURIComponent(s)).join('/');
    const method = request.method ?? 'GET';
    const send = (status: number, body: string | Buffer = '', headers: Record<string, string> = {}): void => {
      response.writeHead(status, { 'x-amz-request-id': randomUUID(), ...(typeof body === 'string' && body !== '' ? { 'content-type': 'application/xml' } : {}), ...headers });
      response.end(method === 'HEAD' ? undefined : body);
    };

    if (bucket === '') {
      if (method !== 'GET') throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
      const names = (await readdir(root, { withFileTypes: true })).filter((d) => d.isDirectory()).map((d) => d.name);
      const buckets = names.map((n) => `<Bucket><Name>${xmlEscape(n)}</Name><CreationDate>${new Date().toISOString()}</CreationDate></Bucket>`).join('');
      return send(200, `<?xml version="1.0" encoding="UTF-8"?><ListAllMyBucketsResult><Owner><ID>local</ID></Owner><Buckets>${buckets}</Buckets></ListAllMyBucketsResult>`);
    }
    if (key === '') {
      if (method === 'PUT') {
        if (!BUCKET_NAME.test(bucket)) throw new S3Error(400, 'InvalidBucketName', 'The specified bucket is not valid.');
        await readBody(request);
        try {
          await stat(join(root, bucket));
          throw new S3Error(409, 'BucketAlreadyOwnedByYou', 'Your previous request to create the named bucket succeeded and you already own it.');
        } catch (error) {
          if (error instanceof S3Error) throw error;
        }
        await mkdir(join(root, bucket), { recursive: true });
        return send(200, '', { location: `/${bucket}` });
      }
      const dir = await bucketDir(bucket);
      if (method === 'HEAD') return send(200);
      if (method === 'DELETE') {
        if ((await readdir(dir)).length > 0) throw new S3Error(409, 'BucketNotEmpty', 'The bucket you tried to delete is not empty');
        await rm(dir, { recursive: true });
        return send(204);
      }
      if (method === 'GET') {
        const prefix = url.searchParams.get('prefix') ?? '';
        const max = Number(url.searchParams.get('max-keys') ?? '1000');
        const after = url.searchParams.get('continuation-token') ?? url.searchParams.get('start-after') ?? '';
        const metas = await Promise.all(
          (await readdir(dir)).filter((f) => f.endsWith('.meta.json')).map(async (f) => JSON.parse(await readFile(join(dir, f), 'utf8')) as ObjectMeta),
        );
        const all = metas.filter((m) => m.key.startsWith(prefix) && m.key > after).sort((a, b) => (a.key < b.key ? -1 : 1));
        const page = all.slice(0, max);
        const truncated = all.length > page.length;
        const contents = page
          .map((m) => `<Contents><Key>${xmlEscape(m.key)}</Key><LastModified>${m.lastModified}</LastModified><ETag>${xmlEscape(m.etag)}</ETag><Size>${m.size}</Size><StorageClass>STANDARD</StorageClass></Contents>`)
          .join('');
        const next = truncated ? `<NextContinuationToken>${xmlEscape(page[page.length - 1]?.key ?? '')}</NextContinuationToken>` : '';
        return send(
          200,
          `<?xml version="1.0" encoding="UTF-8"?><ListBucketResult xmlns="http://s3.amazonaws.com/doc/2006-03-01/"><Name>${xmlEscape(bucket)}</Name><Prefix>${xmlEscape(prefix)}</Prefix><KeyCount>${page.length}</KeyCount><MaxKeys>${max}</MaxKeys><IsTruncated>${truncated}</IsTruncated>${contents}${next}</ListBucketResult>`,
        );
      }
      throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
    }

    const dir = await bucketDir(bucket);
    const dataFile = join(dir, fileOf(key));
    if (method === 'PUT') {
      if (request.headers['x-amz-copy-source'] !== undefined) throw new S3Error(501, 'NotImplemented', 'CopyObject is not implemented by the local S3.');
      let body = await readBody(request);
      const sha = String(request.headers['x-amz-content-sha256'] ?? '');
      if (sha.startsWith('STREAMING-') || String(request.headers['content-encoding'] ?? '').includes('aws-chunked')) body = decodeAwsChunked(body);
      const meta: ObjectMeta = {
        key,
        etag: `"${createHash('md5').update(body).digest('hex')}"`,
        size: body.length,
        lastModified: new Date().toISOString(),
        contentType: String(request.headers['content-type'] ?? 'binary/octet-stream'),
        metadata: Object.fromEntries(Object.entries(request.headers).filter(([k]) => k.startsWith('x-amz-meta-')).map(([k, v]) => [k.slice(11), String(v)])),
        ...(request.headers['x-amz-server-side-encryption'] ? { serverSideEncryption: String(request.headers['x-amz-server-side-encryption']) } : {}),
      };
      await writeFile(`${dataFile}.tmp`, body);
      await rename(`${dataFile}.tmp`, dataFile);
      await writeFile(`${dataFile}.meta.json`, JSON.stringify(meta));
      return send(200, '', { etag: meta.etag, ...(meta.serverSideEncryption ? { 'x-amz-server-side-encryption': meta.serverSideEncryption } : {}) });
    }
    if (method === 'GET' || method === 'HEAD') {
      const meta = await readMeta(dir, key);
      const body = method === 'GET' ? await readFile(dataFile) : Buffer.alloc(0);
      return send(200, body, objectHeaders(meta));
    }
    if (method === 'DELETE') {
      await rm(dataFile, { force: true });
      await rm(`${dataFile}.meta.json`, { force: true });
      return send(204);
    }
    throw new S3Error(405, 'MethodNotAllowed', 'The specified method is not allowed against this resource.');
  };

  const server = createServer((request, response) => {
    handle(request, response).catch((error: unknown) => {
      const e = error instanceof S3Error ? error : new S3Error(500, 'InternalError', 'We encountered an internal error. Please try again.');
      const body = `<?xml version="1.0" encoding="UTF-8"?><Error><Code>${e.code}</Code><Message>${xmlEscape(e.message)}</Message><RequestId>${randomUUID()}</RequestId></Error>`;
      response.writeHead(e.status, { 'content-type': 'application/xml', 'x-amz-error-code': e.code });
      response.end(request.method === 'HEAD' ? undefined : body);
    });
  });
  return listenOnLoopback(server, options);
}
