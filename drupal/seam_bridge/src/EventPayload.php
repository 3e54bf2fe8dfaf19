<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Builds the thin order event seam receives at POST /webhooks/drupal/{store}.
 *
 * Pure PHP. Contract: contracts/bridge/v1/event.schema.json:
 * {"type", "timestamp" (RFC 3339 UTC), "data": {order_uuid, order_id,
 * order_number, store_uuid, state, workflow, transition, total}}.
 * Numbers are canonical decimal strings (trailing zeros trimmed), as
 * Commerce prints prices over JSON:API. The body is encoded once, when the event is queued; every delivery attempt
 * sends (and signs) exactly those bytes.
 */
final class EventPayload {

  /**
   * Order workflow transition id => event type. Other transitions of a
   * (custom) order workflow are sent as "order.updated".
   */
  public const TRANSITION_TYPES = [
    'place' => 'order.placed',
    'cancel' => 'order.canceled',
    'fulfill' => 'order.fulfilled',
    'validate' => 'order.validated',
  ];

  public const TYPE_PAID = 'order.paid';
  public const TYPE_UPDATED = 'order.updated';

  public const TYPES = [
    'order.placed', 'order.canceled', 'order.fulfilled', 'order.validated', 'order.paid', 'order.updated',
  ];

  /**
   * The event type for an order workflow transition id.
   */
  public static function typeForTransition(string $transitionId): string {
    return self::TRANSITION_TYPES[$transitionId] ?? self::TYPE_UPDATED;
  }

  /**
   * Builds the event.
   *
   * @param string $type
   *   One of self::TYPES.
   * @param int $time
   *   Unix time of the event.
   * @param array $order
   *   Keys: uuid (string), id (int|null; null only before the order's first
   *   save), number (string|null), store_uuid (string), state (string),
   *   workflow (string), transition (string|null), total (Money|null).
   *
   * @return array<string, mixed>
   *
   * @throws \InvalidArgumentException
   *   On an unknown type or a missing order uuid, store uuid or state.
   */
  public static function build(string $type, int $time, array $order): array {
    if (!in_array($type, self::TYPES, TRUE)) {
      throw new \InvalidArgumentException('Unknown event type ' . $type);
    }
    foreach (['uuid', 'store_uuid', 'state', 'workflow'] as $k) {
      if (!isset($order[$k]) || !is_string($order[$k]) || $order[$k] === '') {
        throw new \InvalidArgumentException('Order event needs ' . $k);
      }
    }
    $total = $order['total'] ?? NULL;
    $number = $order['number'] ?? NULL;
    $id = $order['id'] ?? NULL;
    return [
      'type' => $type,
      'timestamp' => gmdate('Y-m-d\TH:i:s\Z', $time),
      'data' => [
        'order_uuid' => $order['uuid'],
        'order_id' => $id === NULL ? NULL : (int) $id,
        'order_number' => ($number === NULL || $number === '') ? NULL : (string) $number,
        'store_uuid' => $order['store_uuid'],
        'state' => $order['state'],
        'workflow' => $order['workflow'],
        'transition' => $order['transition'] ?? NULL,
        'total' => $total instanceof Money ? ['number' => $total->canonical(), 'currency_code' => $total->currency()] : NULL,
      ],
    ];
  }

  /**
   * Encodes an event as the exact body bytes that are signed and sent.
   */
  public static function encode(array $event): string {
    return json_encode($event, JSON_THROW_ON_ERROR | JSON_UNESCAPED_SLASHES | JSON_UNESCAPED_UNICODE);
  }

}
