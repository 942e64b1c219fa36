// The alert data the alert pages share, read through the contract's schemas.
import { useQuery } from '@tanstack/react-query';
import { alertListSchema, alertSchema, type Severity } from '../../../../src/contract/alerts.js';
import { api } from '../../api.js';

export interface AlertServerFilter {
  state: 'open' | 'closed' | 'all';
  severity?: Severity;
}

/** Alerts newest first, as the API filters them (state, severity); the page narrows them further. */
export const useAlerts = (filter: AlertServerFilter) =>
  useQuery({
    queryKey: ['alerts', filter],
    queryFn: () => api.get('/api/v1/alerts', { query: { ...filter, limit: 500 }, schema: alertListSchema }),
  });

export const useAlert = (id: string) =>
  useQuery({
    queryKey: ['alerts', id],
    queryFn: () => api.get(`/api/v1/alerts/${encodeURIComponent(id)}`, { schema: alertSchema }),
  });

export const severityColor: Record<Severity, string> = {
  critical: 'red',
  warning: 'yellow',
  information: 'blue',
};

export const severityLabel: Record<Severity, string> = {
  critical: 'Critical',
  warning: 'Warning',
  information: 'Information',
};

export const sourceKindLabel = {
  workflow: 'Monitor or rule',
  steward: 'Steward',
  watcher: 'Health service watcher',
  api: 'Raised through the API',
} as const;
