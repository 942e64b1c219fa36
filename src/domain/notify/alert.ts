// The alert as notifications see it: the fields templates render and subscription criteria test (domain-spec §1.2).

/** Named values, not SCOM's numbers (DESIGN Q14). */
export const alertSeverities = ['critical', 'warning', 'information'] as const;
export const alertPriorities = ['high', 'medium', 'low'] as const;
export type AlertSeverity = (typeof alertSeverities)[number];
export type AlertPriority = (typeof alertPriorities)[number];

export const RESOLUTION_STATE_NEW = 0;
export const RESOLUTION_STATE_CLOSED = 255;

export const customFieldKeys = ['1', '2', '3', '4', '5', '6', '7', '8', '9', '10'] as const;
export type CustomFieldKey = (typeof customFieldKeys)[number];

export interface NotificationAlert {
  id: string;
  name: string;
  description: string;
  severity: AlertSeverity;
  priority: AlertPriority;
  /** 0 New, 255 Closed, 1–254 custom. */
  resolutionState: number;
  resolutionStateName: string;
  /**
   * The object the alert is about. For heartbeat and watcher alerts this is the watcher object, not the
   * computer it watches (R46), so group and class criteria are evaluated against the watcher.
   */
  sourceObjectId: string | null;
  sourceName: string | null;
  sourceClassId: string | null;
  /** Where the alert came from: a workflow, Steward itself, the API, a watcher… Informational only. */
  sourceKind?: string;
  /** Full name and hosting path of the source, when known (`ManagedEntityFullName`, `ManagedEntityPath`). */
  sourceFullName?: string | null;
  sourcePath?: string | null;
  /** The rule or monitor that raised the alert ("ProblemId" in SCOM criteria). */
  workflowId: string | null;
  workflowName: string | null;
  createdByMonitor?: boolean;
  timeRaised: Date;
  /** When Steward stored the alert; the raise time when not given. */
  timeAdded?: Date;
  timeResolved: Date | null;
  lastModified: Date;
  lastModifiedBy?: string | null;
  resolutionStateLastModified?: Date | null;
  resolvedBy?: string | null;
  owner: string | null;
  ticketId: string | null;
  /** Incremented each time a suppressed (deduplicated) alert is raised again. */
  repeatCount: number;
  /** Custom1..Custom10 under the keys "1".."10"; a missing key is an empty field. */
  custom: Partial<Record<CustomFieldKey, string>>;
  category: string | null;
}

export const severityDisplayNames: Record<AlertSeverity, string> = {
  critical: 'Critical',
  warning: 'Warning',
  information: 'Information',
};

export const priorityDisplayNames: Record<AlertPriority, string> = {
  high: 'High',
  medium: 'Medium',
  low: 'Low',
};
