export { isAllowedType } from './allowlist.js';
export { detectFile, detectSample, UNKNOWN, type Detection } from './detect.js';
