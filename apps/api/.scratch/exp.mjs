import { S3, } from '/work/main/node_modules/.pnpm/@aws-sdk+client-s3@3.1169.0/node_modules/@aws-sdk/client-s3/dist-cjs/index.js';
import { S3Store } from '@tus/s3-store';
import { Upload } from '@tus/utils';
import { Readable } from 'node:stream';
const cfg = { region: 'us-east-1', endpoint: 'http://127.0.0.1:8085', forcePathStyle: true, credentials: { accessKeyId: 'test:tester', secretAccessKey: 'testing' }, requestChecksumCalculation: 'WHEN_REQUIRED', responseChecksumValidation: 'WHEN_REQUIRED' };
const s3 = new S3(cfg);
const Bucket = 'exp-' + Date.now();
await s3.createBucket({ Bucket });
const store = new S3Store({ partSize: 8<<20, s3ClientConfig: { bucket: Bucket, ...cfg } });
const list = async () => (await s3.listObjectsV2({ Bucket })).Contents?.map(o => `${o.Key}:${o.Size}`);
const mpu = async () => (await s3.listMultipartUploads({ Bucket })).Uploads?.map(u => u.Key) ?? [];
// 1. deleteObjects
try { await s3.putObject({ Bucket, Key: 'a', Body: 'x' }); await s3.deleteObjects({ Bucket, Delete: { Objects: [{ Key: 'a' }, { Key: 'nope' }] } }); console.log('deleteObjects ok', await list()); } catch (e) { console.log('deleteObjects FAIL', e.name, e.message); }
// 2. zero-byte via write of empty stream
const u0 = await store.create(new Upload({ id: 'zero', size: 0, offset: 0 }));
console.log('after create zero', await list(), await mpu());
try { await store.write(Readable.from([]), 'zero', 0); console.log('write empty ok', await list(), await mpu()); } catch (e) { console.log('write empty FAIL', e.name, e.message); }
// 3. normal small upload, listParts after complete
await store.create(new Upload({ id: 'small', size: 3, offset: 0 }));
await store.write(Readable.from([Buffer.from('abc')]), 'small', 0);
console.log('small', await list(), await mpu());
try { console.log('getUpload small', await store.getUpload('small')); } catch (e) { console.log('getUpload small FAIL', e.name, e.message); }
// 4. remove on an open upload with .part
await store.create(new Upload({ id: 'open', size: 20<<20, offset: 0 }));
await store.write(Readable.from([Buffer.alloc(1<<20, 1)]), 'open', 0);
console.log('open', await list(), await mpu(), (await store.getUpload('open')).offset);
try { await store.remove('open'); console.log('remove ok', await list(), await mpu()); } catch (e) { console.log('remove FAIL', e.name, e.message); }
// 5. remove on a completed upload
try { await store.remove('small'); console.log('remove completed ok', await list()); } catch (e) { console.log('remove completed FAIL', e, await list()); }
