<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * Who may see, edit and look up the catalog's seam_pim_id.
 *
 * Pure PHP: every decision takes a permission check (a callable such as
 * [$account, 'hasPermission']), so the rules are unit-tested without Drupal;
 * seam_bridge.module and the query access subscriber turn them into access
 * results with per-permission cacheability.
 *
 * seam_pim_id (on commerce_product) is the PIM identity seam's catalog flow
 * finds a product by: the product model code, or a simple product's uuid.
 * - Viewing it (which also means filtering on it over JSON:API) is for staff:
 *   whoever administers products, may reach the product list, or syncs the
 *   catalog. Shoppers never see it, so showing it on the product page (the
 *   storefront page is the only product page Commerce has) tells staff which
 *   products seam manages without showing internal codes to customers.
 * - Editing it is for product administrators and the catalog account: a
 *   changed value links the product to another PIM product, or unlinks it
 *   (seam then creates a second product), so ordinary editors may not.
 * - The catalog account (PERMISSION) sees every product, published or not.
 *   Commerce products have the entity module's query access: for an account
 *   without "administer commerce_product" every entity query and JSON:API
 *   collection, filtered or not, keeps to published products and the
 *   account's own unpublished ones, without a word (no meta.omitted). seam
 *   would take an unpublished product for a missing one and create it a
 *   second time. Variations and attribute values have an event-only query
 *   access handler in Commerce 3 (no conditions), so their lookups need
 *   nothing from here. Creating and updating still need Commerce's own
 *   permissions.
 */
final class CatalogAccess {

  /**
   * The permission of the account seam syncs the catalog with.
   */
  public const PERMISSION = 'seam bridge sync catalog';

  /**
   * The commerce_product base field holding the PIM identity.
   */
  public const FIELD = 'seam_pim_id';

  /**
   * The entity type the field is on.
   */
  public const ENTITY_TYPE = 'commerce_product';

  /**
   * Any one of these lets an account see seam_pim_id and filter on it.
   */
  public const VIEW_PERMISSIONS = [
    'administer commerce_product',
    'access commerce_product overview',
    self::PERMISSION,
  ];

  /**
   * Any one of these lets an account set seam_pim_id.
   */
  public const EDIT_PERMISSIONS = [
    'administer commerce_product',
    self::PERMISSION,
  ];

  /**
   * Whether a field operation on seam_pim_id is allowed.
   *
   * @param string $operation
   *   A field access operation: "view" or "edit"; anything else is refused.
   * @param callable(string): bool $has
   *   Whether the account has a permission.
   */
  public static function fieldAllowed(string $operation, callable $has): bool {
    return match ($operation) {
      'view' => self::hasAny(self::VIEW_PERMISSIONS, $has),
      'edit' => self::hasAny(self::EDIT_PERMISSIONS, $has),
      default => FALSE,
    };
  }

  /**
   * Whether the account sees every product, published or not.
   *
   * For entity view access and the product query access conditions (which
   * JSON:API's filter access follows through the entity module); only the
   * "view" operation is widened, never update or delete.
   */
  public static function seesAllProducts(string $operation, callable $has): bool {
    return $operation === 'view' && (bool) $has(self::PERMISSION);
  }

  /**
   * Whether the account has at least one of the permissions.
   *
   * @param string[] $permissions
   */
  private static function hasAny(array $permissions, callable $has): bool {
    foreach ($permissions as $permission) {
      if ($has($permission)) {
        return TRUE;
      }
    }
    return FALSE;
  }

}
