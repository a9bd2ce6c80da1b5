import { S3 } from '@aws-sdk/client-s3';
import { S3Store } from '@tus/s3-store';
import { Upload } from '@tus/utils';
import { Readable } from 'node:stream';
const cfg = { region: 'us-east-1', endpoint: 'http://127.0.0.1:8085', forcePathStyle: true, credentials: { accessKeyId: 'test:tester', secretAccessKey: 'testing' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' };
const s3 = new S3(cfg);
const Bucket = 'exp2-' + Date.now();
await s3.createBucket({ Bucket });
const store = new S3Store({ partSize: 8<<20, s3ClientConfig: { bucket: Bucket, ...cfg } });
const list = async () => (await s3.listObjectsV2({ Bucket })).Contents?.map(o => `${o.Key}:${o.Size}`);
await store.create(new Upload({ id: 'u', size: 20<<20, offset: 0 }));
await store.write(Readable.from([Buffer.alloc(1<<20, 1)]), 'u', 0);
console.log('after 1 MiB', (await store.getUpload('u')).offset, await list());
const failing = new Readable({ read() {} });
failing.push(Buffer.alloc(2<<20, 2));
setTimeout(() => failing.destroy(new Error('client went away')), 200);
try { await store.write(failing, 'u', 1<<20); } catch (e) { console.log('write failed:', e.message); }
console.log('after failed write', (await store.getUpload('u')).offset, await list());
// 6 MiB then fail
const f2 = new Readable({ read() {} });
f2.push(Buffer.alloc(6<<20, 3));
setTimeout(() => f2.destroy(new Error('gone')), 300);
const cur = (await store.getUpload('u')).offset;
try { await store.write(f2, 'u', cur); } catch (e) { console.log('write2 failed:', e.message); }
console.log('after failed write2', (await store.getUpload('u')).offset, await list());
