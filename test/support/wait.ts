// waitFor lives in @airlock/testing; this path stays so that suites written against it keep working.
export { waitFor } from '@airlock/testing';
