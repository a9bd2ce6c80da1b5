/**
 * PATCH requests the API answered 204, counted by the server itself: the count of its
 * `airlock_http_request_duration_seconds` histogram for PATCH /uploads/:id answered 204.
 */
export async function patchesAccepted(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('airlock_http_request_duration_seconds_count{method="PATCH",route="/uploads/:id",status="204"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}
