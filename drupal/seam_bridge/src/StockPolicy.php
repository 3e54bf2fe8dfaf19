<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * The ERP stock seam writes to variations: who sees and sets it, and how
 * much of a variation an order may hold.
 *
 * Pure PHP, no Drupal dependency: the decisions take decimal strings and a
 * permission check (a callable such as [$account, 'hasPermission']), so they
 * are unit-tested without Drupal. The Drupal glue is
 * StockAvailabilityChecker (Commerce's availability checker, which the
 * PurchasedEntityAvailable constraint on order items and the order refresh
 * consult), StockOrderProcessor (order refresh) and the checkout validation
 * in seam_bridge.module.
 *
 * seam_stock (decimal, on commerce_product_variation) is the quantity seam
 * last wrote from the ERP. NULL means seam does not manage the variation's
 * stock: no limit from this module. Drupal never decrements it: the ERP
 * receives the orders and seam writes its new stock back, so between two
 * writes several orders may each take up to the whole stock (this module
 * refuses one order asking for more than there is, it does not reserve).
 *
 * An order's lines for the same variation count together ("elsewhere" is
 * what the other lines of the order, or of the customer's cart when a new
 * line is being added, already hold): a cart cannot reach 5 of a variation
 * with 3 left by adding 2 three times.
 *
 * Quantities and stock are exact decimals (integer millionths, as Money;
 * never floats): Commerce quantities are numeric(17,2), the stock field is
 * numeric(STOCK_PRECISION, STOCK_SCALE).
 */
final class StockPolicy {

  /**
   * The permission of the account seam writes stock with.
   */
  public const PERMISSION = 'seam bridge sync stock';

  /**
   * The commerce_product_variation base field holding the stock.
   */
  public const FIELD = 'seam_stock';

  /**
   * The entity type the field is on.
   */
  public const ENTITY_TYPE = 'commerce_product_variation';

  /**
   * The field's storage: numeric(14,4), up to 9,999,999,999.9999.
   */
  public const STOCK_PRECISION = 14;
  public const STOCK_SCALE = 4;

  /**
   * The largest stock the field accepts (its "max" setting): Drupal has no
   * precision check of its own, so without it a value with more integer
   * digits would be a database error on MySQL and PostgreSQL and be stored
   * as it is on SQLite.
   */
  public const STOCK_MAX = '9999999999.9999';

  /**
   * AvailabilityResult and violation codes.
   */
  public const CODE_OUT = 'seam_stock_out';
  public const CODE_SHORT = 'seam_stock_short';

  /**
   * The messages (templates for t()).
   */
  public const MSG_OUT = 'This product is out of stock.';
  public const MSG_SHORT = 'Only @stock left in stock.';
  public const MSG_SHORT_HELD = 'Only @stock left in stock, and your cart already has @held.';
  public const MSG_REDUCED = 'Only @stock left in stock: the quantity of @title in your cart is now @quantity.';
  public const MSG_REMOVED = '@title is out of stock and was removed from your cart.';

  /**
   * Any one of these lets an account see seam_stock (JSON:API, displays).
   */
  public const VIEW_PERMISSIONS = [
    'administer commerce_product',
    'access commerce_product overview',
    self::PERMISSION,
  ];

  /**
   * Any one of these lets an account set seam_stock.
   */
  public const EDIT_PERMISSIONS = [
    'administer commerce_product',
    self::PERMISSION,
  ];

  private const UNIT = 1000000;
  private const MAX_INT_DIGITS = 12;

  /**
   * Whether a field operation on seam_stock is allowed.
   *
   * @param string $operation
   *   A field access operation: "view" or "edit"; anything else is refused.
   * @param callable(string): bool $has
   *   Whether the account has a permission.
   */
  public static function fieldAllowed(string $operation, callable $has): bool {
    $permissions = match ($operation) {
      'view' => self::VIEW_PERMISSIONS,
      'edit' => self::EDIT_PERMISSIONS,
      default => [],
    };
    foreach ($permissions as $permission) {
      if ($has($permission)) {
        return TRUE;
      }
    }
    return FALSE;
  }

  /**
   * Whether an order line may hold $quantity of a variation.
   *
   * @param string|null $stock
   *   The variation's seam_stock; NULL: not managed, always available.
   * @param string $quantity
   *   The line's quantity.
   * @param string $elsewhere
   *   What other lines of the same order (or cart) hold of the variation.
   *
   * @throws \InvalidArgumentException
   *   When a value is not a decimal string.
   */
  public static function check(?string $stock, string $quantity, string $elsewhere = '0'): StockDecision {
    if ($stock === NULL) {
      return new StockDecision(TRUE);
    }
    $s = self::micros($stock);
    $q = self::micros($quantity);
    $e = max(0, self::micros($elsewhere));
    if ($q <= 0) {
      // Commerce removes lines whose quantity is 0; nothing is taken.
      return new StockDecision(TRUE);
    }
    if ($s <= 0) {
      return new StockDecision(FALSE, self::CODE_OUT, self::MSG_OUT);
    }
    if ($q + $e <= $s) {
      return new StockDecision(TRUE);
    }
    if ($e === 0) {
      return new StockDecision(FALSE, self::CODE_SHORT, self::MSG_SHORT, ['@stock' => self::format($s)]);
    }
    return new StockDecision(FALSE, self::CODE_SHORT, self::MSG_SHORT_HELD, [
      '@stock' => self::format($s),
      '@held' => self::format($e),
    ]);
  }

  /**
   * What a line in a refreshed order should hold so that the order fits the
   * stock: the order processor lowers it instead of letting Commerce drop
   * the whole line.
   *
   * @param string|null $stock
   *   The variation's seam_stock; NULL: not managed.
   * @param string $quantity
   *   The line's quantity.
   * @param string $elsewhere
   *   What earlier lines of the order hold of the variation (already
   *   fitted).
   * @param string $title
   *   The line's title, for the message.
   *
   * @return \Drupal\seam_bridge\StockDecision
   *   available with a NULL quantity when the line fits; otherwise quantity
   *   is the new quantity ("0" when nothing is left: the line goes) and the
   *   message tells the customer. A whole-number quantity stays whole (3 of
   *   2.5 left become 2).
   *
   * @throws \InvalidArgumentException
   *   When a value is not a decimal string.
   */
  public static function fit(?string $stock, string $quantity, string $elsewhere, string $title): StockDecision {
    if ($stock === NULL) {
      return new StockDecision(TRUE);
    }
    $s = self::micros($stock);
    $q = self::micros($quantity);
    $e = max(0, self::micros($elsewhere));
    if ($q <= 0 || $q + $e <= $s) {
      return new StockDecision(TRUE);
    }
    $left = max(0, $s - $e);
    if ($q % self::UNIT === 0) {
      $left -= $left % self::UNIT;
    }
    if ($left === 0) {
      return new StockDecision(FALSE, self::CODE_OUT, self::MSG_REMOVED, ['@title' => $title], '0');
    }
    $new = self::format($left);
    return new StockDecision(FALSE, self::CODE_SHORT, self::MSG_REDUCED, [
      '@stock' => self::format(max(0, $s)),
      '@title' => $title,
      '@quantity' => $new,
    ], $new);
  }

  /**
   * Sums decimal strings exactly (the quantities of an order's lines).
   *
   * @param string[] $values
   *
   * @throws \InvalidArgumentException
   */
  public static function sum(array $values): string {
    $total = 0;
    foreach ($values as $value) {
      $total += self::micros($value);
    }
    return self::format($total);
  }

  /**
   * A decimal string as integer millionths.
   *
   * Accepts what Drupal hands over: "3", "3.00", "12.5000", "-1", ".5"
   * (PHP's float to string never gives that, the database may), and
   * truncates beyond 6 decimals (neither column has more than 4).
   *
   * @throws \InvalidArgumentException
   */
  private static function micros(string $value): int {
    if (!preg_match('/^(-?)([0-9]*)(?:\.([0-9]*))?$/', trim($value), $m) || ($m[2] === '' && ($m[3] ?? '') === '')) {
      throw new \InvalidArgumentException(sprintf('"%s" is not a decimal number', substr($value, 0, 40)));
    }
    $int = ltrim($m[2], '0');
    if (strlen($int) > self::MAX_INT_DIGITS) {
      throw new \InvalidArgumentException(sprintf('"%s" has more than %d integer digits', substr($value, 0, 40), self::MAX_INT_DIGITS));
    }
    $micros = (int) ($int === '' ? '0' : $int) * self::UNIT + (int) str_pad(substr($m[3] ?? '', 0, 6), 6, '0');
    return $m[1] === '-' ? -$micros : $micros;
  }

  /**
   * Integer millionths as the shortest decimal string ("3", "2.5").
   */
  private static function format(int $micros): string {
    $abs = abs($micros);
    $out = (string) intdiv($abs, self::UNIT);
    $frac = rtrim(str_pad((string) ($abs % self::UNIT), 6, '0', STR_PAD_LEFT), '0');
    if ($frac !== '') {
      $out .= '.' . $frac;
    }
    return ($micros < 0 ? '-' : '') . $out;
  }

}
