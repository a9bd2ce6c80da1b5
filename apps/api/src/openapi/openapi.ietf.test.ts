import { describe, expect, it } from 'vitest';
import { openApiDocument } from './openapi.document.js';
import type { Operation, Response } from './openapi.types.js';

describe('the IETF draft in the OpenAPI document', () => {
  const operation = (path: string, method: 'post' | 'patch' | 'head') => openApiDocument.paths[path]![method] as Operation;
  const names = (op: Operation) => (op.parameters ?? []).map((parameter) => parameter.name);

  it('documents the draft headers, body types and problem answers on the tus operations', () => {
    const create = operation('/uploads', 'post');
    expect(names(create)).toEqual(expect.arrayContaining(['Upload-Draft-Interop-Version', 'Upload-Complete']));
    expect(create.responses['104']).toBeDefined();
    const append = operation('/uploads/{id}', 'patch');
    expect(Object.keys(append.requestBody!.content)).toEqual(expect.arrayContaining(['application/offset+octet-stream', 'application/partial-upload']));
    expect(Object.keys((append.responses['409'] as Response).content!)).toEqual(expect.arrayContaining(['text/plain', 'application/problem+json']));
    expect((append.responses['412'] as Response).description).toMatch(/other protocol/);
    expect(openApiDocument.components.schemas!.Problem).toBeDefined();
  });

  it('keeps Tus-Resumable, optional now that a draft request does without it', () => {
    const tus = operation('/uploads/{id}', 'head').parameters!.find((parameter) => parameter.name === 'Tus-Resumable')!;
    expect(tus).toMatchObject({ required: false });
  });
});
