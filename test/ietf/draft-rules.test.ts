import { randomOctets } from '../support/files.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ELF } from '../support/samples.js';
import { patch, status, tusHeaders } from '../support/http.js';
import { draftRequest, problemOf } from '../support/ietf-raw.js';
import { OCTETS, startStack, type Stack } from '@airlock/testing/stack';

const PROBLEM = 'https://iana.org/assignments/http-problem-types#';
const MAX = 1024 * 1024;
const ORIGIN = 'https://app.example';

/** Each rule of each interop version, through raw HTTP (see docs/IETF-RESUMABLE-UPLOAD.md). */
describe.each([5, 6, 7, 8])('IETF resumable-upload draft, interop version %i', (version) => {
  let stack: Stack;
  let token: string;
  let auth: Record<string, string>;
  /** Content-Type of an append: required in 6, free in 5 (none at all here). */
  const appendType: Record<string, string> = version >= 6 ? { 'Content-Type': 'application/partial-upload' } : {};

  beforeAll(async () => {
    stack = await startStack({ env: { ALLOWED_TYPES: OCTETS, MAX_UPLOAD_SIZE: String(MAX), CHUNK_SIZE: String(MAX), CORS_ORIGINS: ORIGIN } });
    token = await stack.token('alice');
    auth = { Authorization: `Bearer ${token}` };
  });
  afterAll(async () => {
    await stack?.stop();
  });

  const create = (headers: Record<string, string>, body?: Uint8Array) => draftRequest(`${stack.url}/uploads`, 'POST', version, { ...auth, ...headers }, body);
  const idOf = (location: string | undefined) => location!.slice(location!.lastIndexOf('/') + 1);

  it('creates with the whole body: 104 with the Location first, then 201 complete, into the pipeline', async () => {
    const bytes = randomOctets(3000);
    const res = await create(
      { 'Upload-Complete': '?1', 'Content-Type': 'application/octet-stream', 'Content-Disposition': 'attachment; filename="whole.bin"' },
      bytes,
    );
    expect(res.status, res.body).toBe(201);
    expect(res.informational).toHaveLength(1);
    expect(res.informational[0]).toMatchObject({
      status: 104,
      message: 'Upload Resumption Supported',
      headers: { location: res.headers.location, 'upload-draft-interop-version': String(version) },
    });
    expect(res.informational[0]!.headers['upload-limit']).toBe(version >= 6 ? `max-size=${MAX}` : undefined);
    expect(res.headers).toMatchObject({ 'upload-complete': '?1', 'upload-offset': '3000', 'upload-draft-interop-version': String(version) });
    expect(res.headers['tus-resumable']).toBeUndefined();
    const id = idOf(res.headers.location);
    expect(await status(stack.url, token, id)).toMatchObject({ status: 'assembling', bytes_received: 3000, total_size: 3000 });
    const file = await (await fetch(`${stack.url}/files/${(await status(stack.url, token, id)).file_id}`, { headers: auth })).json();
    expect(file).toMatchObject({ original_filename: 'whole.bin' });
  });

  it('creates without a body and without a length (deferred), then appends in two requests', async () => {
    const res = await create({ 'Upload-Complete': '?0' });
    expect(res.status).toBe(201);
    expect(res.informational).toHaveLength(0);
    expect(res.headers).toMatchObject({ 'upload-complete': '?0', 'upload-offset': '0' });
    const url = new URL(res.headers.location!, stack.url).href;
    const id = idOf(url);
    expect(await status(stack.url, token, id)).toMatchObject({ status: 'pending', total_size: null });

    const first = await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Offset': '0', 'Upload-Complete': '?0' }, randomOctets(1000));
    expect(first.status).toBe(204);
    expect(first.headers).toMatchObject({ 'upload-offset': '1000', 'upload-complete': '?0' });
    const head = await draftRequest(url, 'HEAD', version, auth);
    expect(head.status).toBe(204);
    expect(head.headers).toMatchObject({ 'upload-offset': '1000', 'upload-complete': '?0', 'cache-control': 'no-store' });
    expect(head.headers['tus-resumable'] ?? head.headers['upload-metadata']).toBeUndefined();
    // The remaining lifetime: `expires` in 6, `max-age` from 7 (UPLOAD_EXPIRY_SECONDS: 86400).
    if (version >= 6) {
      const [, left] = new RegExp(`^max-size=${MAX}, ${version >= 7 ? 'max-age' : 'expires'}=(\\d+)$`).exec(String(head.headers['upload-limit'])) ?? [];
      expect(Number(left)).toBeGreaterThan(86_300);
      expect(Number(left)).toBeLessThanOrEqual(86_400);
    } else expect(head.headers['upload-limit']).toBeUndefined();
    // Offset retrieval with GET (interop 8; served to all): the headers of HEAD beside Airlock's JSON.
    const get = await draftRequest(url, 'GET', version, auth);
    expect(get.status).toBe(200);
    expect(get.headers).toMatchObject({ 'upload-offset': '1000', 'upload-complete': '?0' });
    expect(JSON.parse(get.body)).toMatchObject({ upload_id: id, bytes_received: 1000 });

    const last = await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Offset': '1000', 'Upload-Complete': '?1' }, randomOctets(500));
    expect(last.status).toBe(204);
    expect(last.headers).toMatchObject({ 'upload-offset': '1500', 'upload-complete': '?1' });
    expect(await status(stack.url, token, id)).toMatchObject({ status: 'assembling', total_size: 1500, bytes_received: 1500 });
    const done = await draftRequest(url, 'HEAD', version, auth);
    expect(done.headers).toMatchObject({ 'upload-offset': '1500', 'upload-complete': '?1' });

    // Appending to a complete upload: the completed-upload problem, nothing modified.
    const again = await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Offset': '1500', 'Upload-Complete': '?1' }, randomOctets(10));
    expect(again.status).toBe(400);
    expect(problemOf(again).type).toBe(`${PROBLEM}completed-upload`);
    const behind = await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Offset': '1000', 'Upload-Complete': '?1' }, randomOctets(500));
    expect(problemOf(behind).type).toBe(`${PROBLEM}completed-upload`);
    // An empty completing append at the final offset (a lost final response retried): replayed.
    const replay = await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Offset': '1500', 'Upload-Complete': '?1' });
    expect(replay.status).toBe(204);
    expect(replay.headers).toMatchObject({ 'upload-offset': '1500', 'upload-complete': '?1' });
    expect(await status(stack.url, token, id)).toMatchObject({ bytes_received: 1500, total_size: 1500 });
  });

  it('answers a wrong offset with 409 and the mismatching-upload-offset problem', async () => {
    const res = await create({ 'Upload-Complete': '?0', 'Upload-Length': '100' });
    const url = new URL(res.headers.location!, stack.url).href;
    const wrong = await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Offset': '7', 'Upload-Complete': '?0' }, randomOctets(10));
    expect(wrong.status).toBe(409);
    // draft: 409 "with … Upload-Complete … set to false … MUST include the correct offset".
    expect(wrong.headers).toMatchObject({ 'upload-offset': '0', 'upload-complete': '?0' });
    expect(problemOf(wrong)).toMatchObject({ type: `${PROBLEM}mismatching-upload-offset`, 'expected-offset': 0, 'provided-offset': 7 });
  });

  it('answers inconsistent lengths with 400 and the inconsistent-upload-length problem', async () => {
    const atCreation = await create({ 'Upload-Complete': '?1', 'Upload-Length': '99' }, randomOctets(10));
    expect(atCreation.status).toBe(400);
    expect(problemOf(atCreation).type).toBe(`${PROBLEM}inconsistent-upload-length`);

    const res = await create({ 'Upload-Complete': '?0', 'Upload-Length': '100' });
    const url = new URL(res.headers.location!, stack.url).href;
    // Complete after 10 of 100 declared bytes: contradicts the upload's length; nothing written.
    const early = await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Offset': '0', 'Upload-Complete': '?1' }, randomOctets(10));
    expect(early.status).toBe(400);
    expect(problemOf(early).type).toBe(`${PROBLEM}inconsistent-upload-length`);
    expect((await draftRequest(url, 'HEAD', version, auth)).headers['upload-offset']).toBe('0');
    // Past the known length: 413, nothing kept.
    const past = await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Offset': '0', 'Upload-Complete': '?0' }, randomOctets(101));
    expect(past.status).toBe(413);
    expect((await draftRequest(url, 'HEAD', version, auth)).headers['upload-offset']).toBe('0');
  });

  it('refuses missing or malformed headers with 400, and an unsupported version', async () => {
    expect((await create({})).status).toBe(400);
    expect((await create({ 'Upload-Complete': 'yes' })).status).toBe(400);
    const res = await create({ 'Upload-Complete': '?0' });
    const url = new URL(res.headers.location!, stack.url).href;
    expect((await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Complete': '?0' }, randomOctets(5))).status).toBe(400);
    expect((await draftRequest(url, 'PATCH', version, { ...auth, ...appendType, 'Upload-Offset': '0' }, randomOctets(5))).status).toBe(400);
    for (const other of ['3', '4', '9', 'x']) {
      const refused = await draftRequest(`${stack.url}/uploads`, 'POST', 0, { ...auth, 'Upload-Draft-Interop-Version': other, 'Upload-Complete': '?0' });
      expect(refused.status).toBe(400);
    }
  });

  it(`${version >= 6 ? 'requires' : 'does not require'} Content-Type: application/partial-upload on an append`, async () => {
    const res = await create({ 'Upload-Complete': '?0' });
    const url = new URL(res.headers.location!, stack.url).href;
    const plain = await draftRequest(
      url,
      'PATCH',
      version,
      { ...auth, 'Content-Type': 'application/octet-stream', 'Upload-Offset': '0', 'Upload-Complete': '?0' },
      randomOctets(5),
    );
    expect(plain.status).toBe(version >= 6 ? 415 : 204);
  });

  it('applies the limits: over MAX_UPLOAD_SIZE → 413; a type outside ALLOWED_TYPES → 415 and rejected', async () => {
    const tooLarge = await create({ 'Upload-Complete': '?0', 'Upload-Length': String(MAX + 1) });
    expect(tooLarge.status).toBe(413);
    // draft: a 413 for a limit "SHOULD include the Upload-Limit header field".
    expect(tooLarge.headers['upload-limit']).toBe(version >= 6 ? `max-size=${MAX}` : undefined);
    const options = await draftRequest(`${stack.url}/uploads`, 'OPTIONS', version);
    expect(options.headers['upload-limit']).toBe(version >= 6 ? `max-size=${MAX}` : undefined);
    const elf = await create({ 'Upload-Complete': '?1' }, ELF);
    expect(elf.status).toBe(415);
  });

  it("cancels with DELETE, and answers another user's upload with 404 on every method", async () => {
    const res = await create({ 'Upload-Complete': '?0', 'Upload-Length': '100' });
    const url = new URL(res.headers.location!, stack.url).href;
    const mallory = { Authorization: `Bearer ${await stack.token('mallory')}` };
    expect((await draftRequest(url, 'HEAD', version, mallory)).status).toBe(404);
    expect(
      (await draftRequest(url, 'PATCH', version, { ...mallory, ...appendType, 'Upload-Offset': '0', 'Upload-Complete': '?0' }, randomOctets(5))).status,
    ).toBe(404);
    expect((await draftRequest(url, 'DELETE', version, mallory)).status).toBe(404);
    expect((await draftRequest(url, 'DELETE', version, auth)).status).toBe(204);
    expect(await status(stack.url, token, idOf(url))).toMatchObject({ status: 'failed', failure_reason: 'terminated' });
  });

  it('refuses to switch protocol in the middle of an upload (412 both ways)', async () => {
    const draft = await create({ 'Upload-Complete': '?0', 'Upload-Length': '100' });
    const draftUrl = new URL(draft.headers.location!, stack.url).href;
    const tusPatch = await patch(draftUrl, token, 0, randomOctets(10));
    expect(tusPatch.status).toBe(412);
    expect((await draftRequest(draftUrl, 'HEAD', version, auth)).headers['upload-offset']).toBe('0');

    const tus = await fetch(`${stack.url}/uploads`, { method: 'POST', headers: tusHeaders(token, { 'Upload-Length': '100' }) });
    const tusUrl = new URL(tus.headers.get('location')!, stack.url).href;
    const draftPatch = await draftRequest(
      tusUrl,
      'PATCH',
      version,
      { ...auth, ...appendType, 'Upload-Offset': '0', 'Upload-Complete': '?0' },
      randomOctets(10),
    );
    expect(draftPatch.status).toBe(412);
  });

  it('lets a browser send and read the draft headers (CORS)', async () => {
    const preflight = await draftRequest(`${stack.url}/uploads`, 'OPTIONS', version, {
      Origin: ORIGIN,
      'Access-Control-Request-Method': 'POST',
      'Access-Control-Request-Headers': 'upload-draft-interop-version, upload-complete, content-disposition',
    });
    const allowed = String(preflight.headers['access-control-allow-headers']).toLowerCase();
    for (const name of ['upload-draft-interop-version', 'upload-complete', 'content-disposition']) expect(allowed).toContain(name);
    const res = await create({ Origin: ORIGIN, 'Upload-Complete': '?0' });
    const exposed = String(res.headers['access-control-expose-headers']).toLowerCase();
    for (const name of ['location', 'upload-offset', 'upload-complete', 'upload-limit', 'upload-draft-interop-version']) expect(exposed).toContain(name);
  });
});
