/**
 * PATCH requests the API answered 204, counted by the server itself: the count of its
 * `airlock_chunk_duration_seconds` histogram for code 204 (one observation per PATCH).
 */
export async function patchesAccepted(apiUrl: string): Promise<number> {
  const text = await (await fetch(`${apiUrl}/metrics`)).text();
  const line = text.split('\n').find((row) => row.startsWith('airlock_chunk_duration_seconds_count{code="204"}'));
  return line ? Number(line.split(' ').pop()) : 0;
}
