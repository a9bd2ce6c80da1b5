export { startFakeClamd, type FakeClamd, type FakeMode } from './fake-clamd.js';
export { EICAR, zipOf } from './samples.js';
