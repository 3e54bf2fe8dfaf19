<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\StockPolicy;
use PHPUnit\Framework\TestCase;

/**
 * What a customer may order of a variation whose stock seam manages, what
 * they are told, and who sees and sets seam_stock.
 *
 * @coversDefaultClass \Drupal\seam_bridge\StockPolicy
 */
final class StockPolicyTest extends TestCase {

  /**
   * [stock, quantity, elsewhere] => [available, code, message].
   */
  public static function orders(): array {
    return [
      'not managed: no limit' => [NULL, '1000000', '0', TRUE, NULL, ''],
      'not managed, zero elsewhere' => [NULL, '1', '5', TRUE, NULL, ''],
      'within the stock' => ['12', '3', '0', TRUE, NULL, ''],
      'exactly the stock' => ['3', '3', '0', TRUE, NULL, ''],
      'exactly the stock, database scale' => ['3.0000', '3.00', '0', TRUE, NULL, ''],
      'one over' => ['3', '4', '0', FALSE, StockPolicy::CODE_SHORT, 'Only 3 left in stock.'],
      'over, stock as stored' => ['3.0000', '10.00', '0', FALSE, StockPolicy::CODE_SHORT, 'Only 3 left in stock.'],
      'fractional stock' => ['2.5', '3', '0', FALSE, StockPolicy::CODE_SHORT, 'Only 2.5 left in stock.'],
      'fractional quantity within' => ['2.5', '2.5', '0', TRUE, NULL, ''],
      'out of stock' => ['0', '1', '0', FALSE, StockPolicy::CODE_OUT, 'This product is out of stock.'],
      'out of stock, stored scale' => ['0.0000', '1', '0', FALSE, StockPolicy::CODE_OUT, 'This product is out of stock.'],
      'negative stock is out of stock' => ['-2', '1', '0', FALSE, StockPolicy::CODE_OUT, 'This product is out of stock.'],
      'quantity zero takes nothing' => ['0', '0', '0', TRUE, NULL, ''],
      'other lines count' => ['3', '2', '2', FALSE, StockPolicy::CODE_SHORT, 'Only 3 left in stock, and your cart already has 2.'],
      'other lines fill it' => ['3', '1', '3', FALSE, StockPolicy::CODE_SHORT, 'Only 3 left in stock, and your cart already has 3.'],
      'other lines leave room' => ['5', '2', '3', TRUE, NULL, ''],
      'other lines over stock already' => ['3', '1', '4.00', FALSE, StockPolicy::CODE_SHORT, 'Only 3 left in stock, and your cart already has 4.'],
      'big stock, big order' => ['9999999999.9999', '9999999999.99', '0', TRUE, NULL, ''],
      'millionths decide' => ['1.000001', '1.000002', '0', FALSE, StockPolicy::CODE_SHORT, 'Only 1.000001 left in stock.'],
    ];
  }

  /**
   * @dataProvider orders
   * @covers ::check
   */
  public function testCheck(?string $stock, string $quantity, string $elsewhere, bool $available, ?string $code, string $message): void {
    $d = StockPolicy::check($stock, $quantity, $elsewhere);
    $this->assertSame($available, $d->available, 'available');
    $this->assertSame($code, $d->code, 'code');
    $this->assertSame($message, $d->text(), 'message');
    $this->assertNull($d->quantity, 'check() never proposes a quantity');
  }

  /**
   * The templates keep their placeholders, for t().
   *
   * @covers ::check
   */
  public function testMessagesAreTemplates(): void {
    $d = StockPolicy::check('3', '5', '1');
    $this->assertSame(StockPolicy::MSG_SHORT_HELD, $d->template);
    $this->assertSame(['@stock' => '3', '@held' => '1'], $d->args);
    $this->assertSame(StockPolicy::MSG_OUT, StockPolicy::check('0', '1')->template);
    $this->assertSame([], StockPolicy::check('0', '1')->args);
  }

  /**
   * [stock, quantity, elsewhere] => [new quantity or NULL, message].
   */
  public static function refreshes(): array {
    return [
      'not managed' => [NULL, '7', '0', NULL, ''],
      'fits' => ['5', '5', '0', NULL, ''],
      'fits with earlier lines' => ['5', '2', '3', NULL, ''],
      'reduced' => ['3', '5', '0', '3', 'Only 3 left in stock: the quantity of Boot in your cart is now 3.'],
      'reduced, stored scales' => ['3.0000', '5.00', '0', '3', 'Only 3 left in stock: the quantity of Boot in your cart is now 3.'],
      'reduced by earlier lines' => ['5', '4', '3', '2', 'Only 5 left in stock: the quantity of Boot in your cart is now 2.'],
      'whole units stay whole' => ['2.5', '3', '0', '2', 'Only 2.5 left in stock: the quantity of Boot in your cart is now 2.'],
      'fractional line gets the fraction' => ['2.5', '3.5', '0', '2.5', 'Only 2.5 left in stock: the quantity of Boot in your cart is now 2.5.'],
      'nothing left' => ['0', '2', '0', '0', 'Boot is out of stock and was removed from your cart.'],
      'less than one whole unit left' => ['0.5', '2', '0', '0', 'Boot is out of stock and was removed from your cart.'],
      'earlier lines took it all' => ['3', '1', '3', '0', 'Boot is out of stock and was removed from your cart.'],
      'negative stock' => ['-1', '1', '0', '0', 'Boot is out of stock and was removed from your cart.'],
      'zero line untouched' => ['0', '0', '0', NULL, ''],
    ];
  }

  /**
   * @dataProvider refreshes
   * @covers ::fit
   */
  public function testFit(?string $stock, string $quantity, string $elsewhere, ?string $new, string $message): void {
    $d = StockPolicy::fit($stock, $quantity, $elsewhere, 'Boot');
    $this->assertSame($new, $d->quantity, 'quantity');
    $this->assertSame($new === NULL, $d->available, 'available');
    $this->assertSame($message, $d->text(), 'message');
    if ($new !== NULL) {
      // What fit() leaves is what check() accepts.
      $this->assertTrue(StockPolicy::check($stock, $new, $elsewhere)->available, 'check() accepts the fitted quantity');
    }
  }

  /**
   * @covers ::sum
   */
  public function testSum(): void {
    $this->assertSame('0', StockPolicy::sum([]));
    $this->assertSame('5.5', StockPolicy::sum(['2.00', '3.5', '0']));
    $this->assertSame('0.3', StockPolicy::sum(['0.1', '0.2']));
  }

  /**
   * What Drupal and the database hand over is understood; anything else is
   * an error, never a guess.
   *
   * @covers ::check
   */
  public function testValueForms(): void {
    $this->assertFalse(StockPolicy::check('.5', '1')->available);
    $this->assertTrue(StockPolicy::check('5.', '5')->available);
    $this->assertTrue(StockPolicy::check(' 3 ', '3')->available);
    foreach (['', 'abc', '1e3', '1,5', '.', '-', '10000000000000'] as $bad) {
      try {
        StockPolicy::check($bad, '1');
        $this->fail("'$bad' accepted");
      }
      catch (\InvalidArgumentException $e) {
        $this->assertNotSame('', $e->getMessage());
      }
    }
    $this->expectException(\InvalidArgumentException::class);
    StockPolicy::check('3', 'three');
  }

  /**
   * A permission check over a list, as AccountInterface::hasPermission().
   *
   * @param string[] $permissions
   */
  private static function has(array $permissions): \Closure {
    return static fn (string $p): bool => in_array($p, $permissions, TRUE);
  }

  /**
   * Accounts => [view seam_stock, set it].
   */
  public static function accounts(): array {
    return [
      'anonymous shopper' => [['view commerce_product', 'access content'], FALSE, FALSE],
      'customer' => [['view commerce_product', 'view own unpublished commerce_product'], FALSE, FALSE],
      'product administrator' => [['administer commerce_product'], TRUE, TRUE],
      'staff with the product list' => [['access commerce_product overview', 'manage default commerce_product_variation'], TRUE, FALSE],
      'variation manager without the seam permission' => [['manage default commerce_product_variation', 'view commerce_product'], FALSE, FALSE],
      'stock account' => [['manage default commerce_product_variation', 'view commerce_product', StockPolicy::PERMISSION], TRUE, TRUE],
      'the seam permission alone' => [[StockPolicy::PERMISSION], TRUE, TRUE],
      'catalog account' => [['seam bridge sync catalog', 'manage default commerce_product_variation'], FALSE, FALSE],
    ];
  }

  /**
   * @dataProvider accounts
   * @covers ::fieldAllowed
   */
  public function testFieldAccess(array $permissions, bool $view, bool $edit): void {
    $has = self::has($permissions);
    $this->assertSame($view, StockPolicy::fieldAllowed('view', $has), 'view');
    $this->assertSame($edit, StockPolicy::fieldAllowed('edit', $has), 'edit');
  }

  /**
   * @covers ::fieldAllowed
   */
  public function testUnknownFieldOperationIsRefused(): void {
    $everything = static fn (string $p): bool => TRUE;
    foreach (['delete', 'update', 'create', '', 'VIEW'] as $op) {
      $this->assertFalse(StockPolicy::fieldAllowed($op, $everything), "'$op'");
    }
  }

  /**
   * The names Drupal and seam rely on: the permission in
   * seam_bridge.permissions.yml, the field and its storage in
   * seam_bridge.module and the update hook, the checker's service tag.
   *
   * @coversNothing
   */
  public function testNamesMatchTheModule(): void {
    $root = dirname(__DIR__, 3);
    $yml = (string) file_get_contents($root . '/seam_bridge.permissions.yml');
    $this->assertStringContainsString("\n" . StockPolicy::PERMISSION . ":\n", "\n" . $yml);
    $this->assertSame('seam_stock', StockPolicy::FIELD);
    $this->assertSame('commerce_product_variation', StockPolicy::ENTITY_TYPE);
    $services = (string) file_get_contents($root . '/seam_bridge.services.yml');
    $this->assertMatchesRegularExpression('/class: Drupal\\\\seam_bridge\\\\Stock\\\\StockAvailabilityChecker\n(?:.*\n)*?\s+- \{ name: commerce_order\.availability_checker/', $services);
    $this->assertMatchesRegularExpression('/class: Drupal\\\\seam_bridge\\\\Stock\\\\StockOrderProcessor\n(?:.*\n)*?\s+- \{ name: commerce_order\.order_processor, priority: 310 \}/', $services);
    $install = (string) file_get_contents($root . '/seam_bridge.install');
    $this->assertStringContainsString('function seam_bridge_update_10002(', $install);
    $module = (string) file_get_contents($root . '/seam_bridge.module');
    $field = substr($module, (int) strpos($module, 'function seam_bridge_stock_field'));
    $this->assertStringContainsString("->setSetting('precision', StockPolicy::STOCK_PRECISION)", $field);
    $this->assertStringContainsString("->setSetting('scale', StockPolicy::STOCK_SCALE)", $field);
    $this->assertStringContainsString("->setSetting('min', '0')", $field);
    $this->assertStringContainsString("->setSetting('max', StockPolicy::STOCK_MAX)", $field);
    $this->assertSame(StockPolicy::STOCK_PRECISION - StockPolicy::STOCK_SCALE, strpos(StockPolicy::STOCK_MAX, '.'));
    $this->assertSame(StockPolicy::STOCK_SCALE, strlen(StockPolicy::STOCK_MAX) - strpos(StockPolicy::STOCK_MAX, '.') - 1);
  }

}
