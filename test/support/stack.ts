// The black-box stack lives in @airlock/testing/stack (one home for test environments); this
// path stays so that suites written against it keep working.
export * from '@airlock/testing/stack';
