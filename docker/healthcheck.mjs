// The image's HEALTHCHECK: is the Airlock process of this container alive? One image runs the
// API (it answers /healthz on PORT) or a worker role (on WORKER_HEALTH_PORT, 0 = off): healthy
// when the one that runs here answers 200. /readyz (every dependency) is for load balancers and
// monitoring, not for restarting a container whose clamd is still loading signatures.
const ports = [process.env.PORT || '8080', process.env.WORKER_HEALTH_PORT || '9090'].filter((port) => port !== '0');
const answers = (port) =>
  fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(3000) }).then(
    (res) => res.ok,
    () => false,
  );
const results = await Promise.all(ports.map(answers));
process.exit(results.includes(true) ? 0 : 1);
