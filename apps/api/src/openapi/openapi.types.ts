/**
 * The subset of OpenAPI 3.1 this service's document uses, typed here because the 3.1 types
 * of `openapi-types` lack JSON Schema 2020-12 (`const`, type arrays) and fight literal
 * objects. openapi.test.ts validates the result against the official 3.1 schema.
 */
export type Ref = { $ref: string; description?: string };

/** JSON Schema 2020-12, loosely: what the document needs, nothing enforced beyond it. */
export interface Schema {
  type?: string | string[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  default?: unknown;
  description?: string;
  examples?: unknown[];
  contentMediaType?: string;
  required?: string[];
  properties?: Record<string, Schema | Ref>;
  additionalProperties?: boolean | Schema;
  items?: Schema | Ref;
  allOf?: (Schema | Ref)[];
}

export interface Parameter {
  name: string;
  in: 'path' | 'query' | 'header' | 'cookie';
  required?: boolean;
  description?: string;
  schema: Schema | Ref;
}

export interface Header {
  description?: string;
  schema: Schema | Ref;
}

export interface MediaType {
  schema: Schema | Ref;
}

export interface Response {
  description: string;
  headers?: Record<string, Header>;
  content?: Record<string, MediaType>;
}

export type Responses = Record<string, Response | Ref>;
export type SecurityRequirement = Record<string, string[]>;

export interface Operation {
  operationId: string;
  summary: string;
  description?: string;
  tags?: string[];
  security?: SecurityRequirement[];
  parameters?: Parameter[];
  requestBody?: { required?: boolean; description?: string; content: Record<string, MediaType> };
  responses: Responses;
}

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;
export type HttpMethod = (typeof HTTP_METHODS)[number];

export type PathItem = { parameters?: Parameter[] } & { [M in HttpMethod]?: Operation };

export type SecurityScheme =
  | { type: 'http'; scheme: string; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; in: 'query' | 'header' | 'cookie'; name: string; description?: string };

export interface Document {
  openapi: '3.1.0';
  info: { title: string; version: string; summary?: string; description?: string; license?: { name: string; identifier?: string } };
  servers?: { url: string; description?: string }[];
  security?: SecurityRequirement[];
  tags?: { name: string; description?: string }[];
  paths: Record<string, PathItem>;
  webhooks?: Record<string, PathItem>;
  components: {
    schemas: Record<string, Schema>;
    responses: Record<string, Response>;
    securitySchemes: Record<string, SecurityScheme>;
  };
}
