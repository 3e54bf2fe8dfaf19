<?php

declare(strict_types=1);

namespace Drupal\Tests\seam_bridge\Unit;

use Drupal\seam_bridge\CatalogAccess;
use PHPUnit\Framework\TestCase;

/**
 * Who may see, set and look up seam_pim_id, for the accounts a site has.
 *
 * @coversDefaultClass \Drupal\seam_bridge\CatalogAccess
 */
final class CatalogAccessTest extends TestCase {

  /**
   * What the Commerce permissions of a catalog account are, without ours.
   */
  private const COMMERCE_WRITER = [
    'view commerce_product',
    'create default commerce_product',
    'update any default commerce_product',
    'manage default commerce_product_variation',
    'update commerce_product_attribute',
    'view commerce_store',
  ];

  /**
   * A permission check over a list, as AccountInterface::hasPermission().
   *
   * @param string[] $permissions
   */
  private static function has(array $permissions): \Closure {
    return static fn (string $p): bool => in_array($p, $permissions, TRUE);
  }

  /**
   * Accounts => [view the field, edit it, sees all products].
   *
   * "Sees all products" is what this module grants; product administrators
   * see every product through Commerce already.
   */
  public static function accounts(): array {
    return [
      'anonymous shopper' => [['view commerce_product', 'access content'], FALSE, FALSE, FALSE],
      'customer' => [['view commerce_product', 'view own unpublished commerce_product'], FALSE, FALSE, FALSE],
      'no permissions' => [[], FALSE, FALSE, FALSE],
      'product administrator' => [['administer commerce_product'], TRUE, TRUE, FALSE],
      'store staff with the product list' => [['access commerce_product overview', 'update any default commerce_product'], TRUE, FALSE, FALSE],
      'editor without the product list' => [['update any default commerce_product', 'view commerce_product'], FALSE, FALSE, FALSE],
      'Commerce writer without the seam permission' => [self::COMMERCE_WRITER, FALSE, FALSE, FALSE],
      'catalog account' => [array_merge(self::COMMERCE_WRITER, [CatalogAccess::PERMISSION]), TRUE, TRUE, TRUE],
      'the seam permission alone' => [[CatalogAccess::PERMISSION], TRUE, TRUE, TRUE],
      'order integration account' => [['seam bridge transition payments', 'view commerce_order', 'view commerce_product'], FALSE, FALSE, FALSE],
    ];
  }

  /**
   * @dataProvider accounts
   * @covers ::fieldAllowed
   */
  public function testFieldAccess(array $permissions, bool $view, bool $edit, bool $seesAll): void {
    $has = self::has($permissions);
    $this->assertSame($view, CatalogAccess::fieldAllowed('view', $has), 'view');
    $this->assertSame($edit, CatalogAccess::fieldAllowed('edit', $has), 'edit');
  }

  /**
   * @dataProvider accounts
   * @covers ::seesAllProducts
   */
  public function testSeesAllProducts(array $permissions, bool $view, bool $edit, bool $seesAll): void {
    $this->assertSame($seesAll, CatalogAccess::seesAllProducts('view', self::has($permissions)));
  }

  /**
   * @covers ::fieldAllowed
   */
  public function testUnknownFieldOperationIsRefused(): void {
    $everything = static fn (string $p): bool => TRUE;
    foreach (['delete', 'update', 'create', '', 'VIEW', 'Edit'] as $op) {
      $this->assertFalse(CatalogAccess::fieldAllowed($op, $everything), "'$op'");
    }
  }

  /**
   * The permission widens viewing only: never update, delete or the rest.
   *
   * @covers ::seesAllProducts
   */
  public function testCatalogPermissionWidensViewOnly(): void {
    $has = self::has([CatalogAccess::PERMISSION]);
    foreach (['update', 'delete', 'duplicate', 'create', 'view label', 'View', ''] as $op) {
      $this->assertFalse(CatalogAccess::seesAllProducts($op, $has), "'$op'");
    }
  }

  /**
   * The names Drupal and seam rely on: the permission in
   * seam_bridge.permissions.yml, the field name seam's flow writes.
   *
   * @coversNothing
   */
  public function testNamesMatchTheModuleAndSeam(): void {
    $yml = (string) file_get_contents(dirname(__DIR__, 3) . '/seam_bridge.permissions.yml');
    $this->assertStringContainsString("\n" . CatalogAccess::PERMISSION . ":\n", "\n" . $yml);
    $this->assertSame('seam_pim_id', CatalogAccess::FIELD);
    $this->assertSame('commerce_product', CatalogAccess::ENTITY_TYPE);
    $module = (string) file_get_contents(dirname(__DIR__, 3) . '/seam_bridge.module');
    $this->assertStringContainsString("->setSetting('max_length', 255)", substr($module, (int) strpos($module, 'function seam_bridge_pim_id_field')));
  }

}
