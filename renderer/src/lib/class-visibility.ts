/**
 * Which classes the sample viewer hides from its mask and prediction layers (training indices).
 * A click toggles one class; alt/shift-click shows only that class (again: shows them all).
 */
export function nextHidden(
  hidden: ReadonlySet<number>,
  index: number,
  legend: readonly number[],
  only: boolean,
): Set<number> {
  if (!only) {
    const next = new Set(hidden);
    if (next.has(index)) next.delete(index);
    else next.add(index);
    return next;
  }
  const others = legend.filter((i) => i !== index);
  const alreadyOnly = !hidden.has(index) && others.every((i) => hidden.has(i));
  return alreadyOnly ? new Set() : new Set(others);
}
