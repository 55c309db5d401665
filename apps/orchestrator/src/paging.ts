/**
 * A page of rows read one past its size (so whether more follow is known without counting), and
 * the cursor of the next page: the last item's id, or null on the last page.
 */
export function pageOf<T extends { id: number | string }>(
  rows: readonly T[],
  itemsPerPage: number,
): { page: T[]; next: string | null } {
  const page = rows.slice(0, itemsPerPage);
  const last = page.at(-1);
  return { page, next: rows.length > itemsPerPage && last ? String(last.id) : null };
}
