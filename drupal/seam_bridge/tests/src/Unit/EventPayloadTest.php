<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\EventPayload;
use Drupal\seam_bridge\Money;
use PHPUnit\Framework\TestCase;

/**
 * @coversDefaultClass \Drupal\seam_bridge\EventPayload
 */
final class EventPayloadTest extends TestCase {

  private static function order(array $over = []): array {
    return $over + [
      'uuid' => '5bdfd1e8-dfad-41ac-a514-1b58d123e678',
      'id' => 12,
      'number' => '12',
      'store_uuid' => '0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11',
      'state' => 'completed',
      'workflow' => 'order_default',
      'transition' => 'place',
      'total' => Money::of('39.98', 'USD'),
    ];
  }

  public function testPlacedEvent(): void {
    $e = EventPayload::build('order.placed', 1764171076, self::order());
    $this->assertSame([
      'type' => 'order.placed',
      'timestamp' => '2025-11-26T15:31:16Z',
      'data' => [
        'order_uuid' => '5bdfd1e8-dfad-41ac-a514-1b58d123e678',
        'order_id' => 12,
        'order_number' => '12',
        'store_uuid' => '0f2a5b0e-6c55-4a8e-9a55-3b4a1c0c2f11',
        'state' => 'completed',
        'workflow' => 'order_default',
        'transition' => 'place',
        'total' => ['number' => '39.98', 'currency_code' => 'USD'],
      ],
    ], $e);
  }

  public function testPaidEventWithoutTransitionNumberOrTotal(): void {
    $e = EventPayload::build('order.paid', 0, self::order(['transition' => NULL, 'number' => '', 'total' => NULL, 'id' => '7']));
    $this->assertSame('1970-01-01T00:00:00Z', $e['timestamp']);
    $this->assertNull($e['data']['transition']);
    $this->assertNull($e['data']['order_number']);
    $this->assertNull($e['data']['total']);
    $this->assertSame(7, $e['data']['order_id']);
  }

  public function testTotalIsCanonical(): void {
    $e = EventPayload::build('order.placed', 0, self::order(['total' => Money::of('10.500000', 'EUR')]));
    $this->assertSame(['number' => '10.5', 'currency_code' => 'EUR'], $e['data']['total']);
    $e = EventPayload::build('order.placed', 0, self::order(['total' => Money::of('0.00', 'EUR')]));
    $this->assertSame('0', $e['data']['total']['number']);
  }

  public function testOrderIdNullBeforeFirstSave(): void {
    $e = EventPayload::build('order.paid', 0, self::order(['id' => NULL]));
    $this->assertNull($e['data']['order_id']);
  }

  public function testTypeForTransition(): void {
    $this->assertSame('order.placed', EventPayload::typeForTransition('place'));
    $this->assertSame('order.canceled', EventPayload::typeForTransition('cancel'));
    $this->assertSame('order.fulfilled', EventPayload::typeForTransition('fulfill'));
    $this->assertSame('order.validated', EventPayload::typeForTransition('validate'));
    $this->assertSame('order.updated', EventPayload::typeForTransition('ship_partially'));
  }

  public function testUnknownTypeIsRefused(): void {
    $this->expectException(\InvalidArgumentException::class);
    EventPayload::build('order.deleted', 0, self::order());
  }

  public function testMissingStoreIsRefused(): void {
    $this->expectException(\InvalidArgumentException::class);
    $this->expectExceptionMessage('store_uuid');
    EventPayload::build('order.placed', 0, self::order(['store_uuid' => '']));
  }

  public function testEncodeIsCompactAndKeepsSlashesAndUnicode(): void {
    $body = EventPayload::encode(['a' => 'x/y', 'b' => 'é', 'c' => NULL]);
    $this->assertSame('{"a":"x/y","b":"é","c":null}', $body);
  }

}
