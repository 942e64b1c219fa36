// The class and group questions subscription criteria ask of an alert's object, answered by the resolution engine
// as it is when asked: taken once per page of alert changes or round of delayed notifications.

import type { IndexContext } from '../../../domain/notify/subscription-index.js';
import type { ResolutionService } from '../resolution/resolution-service.js';

/** Class and group questions answered by the resolution engine as it is now. */
export async function criteriaContextOf(
  resolution: Pick<ResolutionService, 'current'>,
): Promise<IndexContext> {
  const engine = await resolution.current();
  return {
    isA: (c, base) => engine.isA(c, base),
    inGroup: (o, g) => engine.inGroup(o, g),
    classAndAncestors: (c) => engine.classAndAncestors(c),
    groupsOf: (o) => engine.groupsOf(o),
  };
}
