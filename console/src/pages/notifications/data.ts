// The notification data the notification tabs share, read through the contract's schemas.
import { useQuery } from '@tanstack/react-query';
import {
  channelListResponse,
  type DeliveryStatus,
  deliveryListResponse,
  subscriberListResponse,
  subscriptionListResponse,
} from '../../../../src/contract/notify-api.js';
import { api } from '../../api.js';

export const useChannels = () =>
  useQuery({
    queryKey: ['notify', 'channels'],
    queryFn: async () =>
      (await api.get('/api/v1/notification-channels', { schema: channelListResponse })).items,
  });

export const useSubscribers = () =>
  useQuery({
    queryKey: ['notify', 'subscribers'],
    queryFn: async () =>
      (await api.get('/api/v1/notification-subscribers', { schema: subscriberListResponse })).items,
  });

export const useSubscriptions = () =>
  useQuery({
    queryKey: ['notify', 'subscriptions'],
    queryFn: async () =>
      (await api.get('/api/v1/notification-subscriptions', { schema: subscriptionListResponse })).items,
  });

/** Deliveries newest first; refreshed every few seconds while one still waits to be sent. */
export const useDeliveries = (status: DeliveryStatus | null) =>
  useQuery({
    queryKey: ['notify', 'deliveries', status],
    queryFn: async () =>
      (
        await api.get('/api/v1/notification-deliveries', {
          query: { ...(status ? { status } : {}), limit: 200 },
          schema: deliveryListResponse,
        })
      ).items,
    refetchInterval: (q) =>
      q.state.data?.some((d) => ['pending', 'claimed', 'sending', 'retry'].includes(d.status)) ? 3000 : false,
  });

/** The names of things by id, for tables that list ids. */
export const nameOf = (items: readonly { id: string; name: string }[] | undefined, id: string) =>
  items?.find((i) => i.id === id)?.name ?? id;
