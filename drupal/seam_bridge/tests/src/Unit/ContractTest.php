<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\EventPayload;
use Drupal\seam_bridge\Money;
use Drupal\seam_bridge\TransitionHandler;
use Drupal\seam_bridge\TransitionRequest;
use Drupal\Tests\seam_bridge\Support\FakePayment;
use Drupal\Tests\seam_bridge\Support\FakeStore;
use Drupal\Tests\seam_bridge\Support\MiniSchema;
use PHPUnit\Framework\TestCase;

/**
 * What the module sends and answers matches contracts/bridge/v1.
 *
 * @coversNothing
 */
final class ContractTest extends TestCase {

  private static function schema(string $name): MiniSchema {
    $dir = dirname(__DIR__, 5) . '/contracts/bridge/v1/';
    return MiniSchema::load($dir . $name . '.schema.json');
  }

  private static function asJson(array $value): mixed {
    return json_decode(json_encode($value, JSON_THROW_ON_ERROR), FALSE, 512, JSON_THROW_ON_ERROR);
  }

  public static function schemaNames(): array {
    return [['event'], ['transition-request'], ['transition-response'], ['transition-conflict'], ['transition-error']];
  }

  /**
   * @dataProvider schemaNames
   */
  public function testExamplesMatchTheirSchema(string $name): void {
    $schema = self::schema($name);
    $this->assertNotEmpty($schema->root()->examples);
    foreach ($schema->root()->examples as $i => $example) {
      $this->assertSame([], $schema->errors($example), "$name example $i");
    }
  }

  public function testBuiltEventsMatchTheSchema(): void {
    $schema = self::schema('event');
    $order = [
      'uuid' => 'u-1', 'id' => 3, 'number' => '3', 'store_uuid' => 's-1', 'state' => 'fulfillment',
      'workflow' => 'order_fulfillment', 'transition' => 'place', 'total' => Money::of('10.00', 'EUR'),
    ];
    foreach (EventPayload::TYPES as $type) {
      $this->assertSame([], $schema->errors(self::asJson(EventPayload::build($type, 1700000000, $order))), $type);
    }
    $thin = ['transition' => NULL, 'number' => NULL, 'total' => NULL, 'id' => NULL] + $order;
    $this->assertSame([], $schema->errors(self::asJson(EventPayload::build('order.paid', 1700000000, $thin))));
    $this->assertSame(EventPayload::TYPES, $schema->root()->properties->type->enum);
  }

  public function testSchemaCatchesAFloatTotal(): void {
    $bad = self::asJson(EventPayload::build('order.placed', 0, [
      'uuid' => 'u', 'id' => 1, 'store_uuid' => 's', 'state' => 'completed', 'workflow' => 'order_default',
    ]));
    $bad->data->total = (object) ['number' => 10.5, 'currency_code' => 'USD'];
    $this->assertNotSame([], self::schema('event')->errors($bad));
  }

  public function testRequestSchemaAndParserAgree(): void {
    $schema = self::schema('transition-request');
    $this->assertSame(TransitionRequest::TRANSITIONS, $schema->root()->properties->transition->enum);
    foreach ($schema->root()->examples as $example) {
      $parsed = TransitionRequest::fromJson(json_encode($example));
      $this->assertSame($example->transition, $parsed->transition);
    }
  }

  public function testHandlerAnswersMatchTheSchemas(): void {
    $p = new FakePayment('authorization', Money::of('39.98', 'USD'), Money::of('0', 'USD'), NULL);
    $store = new FakeStore();
    $req = TransitionRequest::fromArray(['transition' => 'capture', 'idempotency_key' => 'k']);
    [$s, $body] = TransitionHandler::handle($req, $p, $store);
    $this->assertSame(200, $s);
    $this->assertSame([], self::schema('transition-response')->errors(self::asJson($body)));
    [$s, $body] = TransitionHandler::handle($req, $p, $store);
    $this->assertSame([], self::schema('transition-response')->errors(self::asJson($body)));
    [$s, $body] = TransitionHandler::handle(TransitionRequest::fromArray(['transition' => 'void', 'idempotency_key' => 'k2']), $p, $store);
    $this->assertSame(409, $s);
    $this->assertSame([], self::schema('transition-conflict')->errors(self::asJson($body)));
    [$s, $body] = TransitionHandler::handle(TransitionRequest::fromArray(['transition' => 'refund', 'idempotency_key' => 'k']), $p, $store);
    $this->assertSame(422, $s);
    $this->assertSame([], self::schema('transition-error')->errors(self::asJson($body)));
  }

}
