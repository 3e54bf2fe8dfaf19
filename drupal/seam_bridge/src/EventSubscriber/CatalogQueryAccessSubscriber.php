<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\EventSubscriber;

use Drupal\entity\QueryAccess\QueryAccessEvent;
use Drupal\seam_bridge\CatalogAccess;
use Symfony\Component\EventDispatcher\EventSubscriberInterface;

/**
 * Lets product queries find every product for the catalog account.
 *
 * Commerce products use the entity module's query access handler: entity
 * queries with access checks (JSON:API collections among them) and views get
 * conditions that keep a non-administrator to published products and their
 * own unpublished ones. For an account with "seam bridge sync catalog" the
 * "view" conditions are removed (CatalogAccess::seesAllProducts()), as they
 * are for "administer commerce_product"; seam_bridge_commerce_product_access()
 * grants the matching entity access. Update and delete queries keep
 * Commerce's conditions.
 *
 * The event only exists when the entity module is installed (Commerce needs
 * it); without it this subscriber is never called.
 */
final class CatalogQueryAccessSubscriber implements EventSubscriberInterface {

  /**
   * {@inheritdoc}
   */
  public static function getSubscribedEvents(): array {
    return ['entity.query_access.' . CatalogAccess::ENTITY_TYPE => 'onQueryAccess'];
  }

  /**
   * Removes the view conditions for the catalog account.
   */
  public function onQueryAccess(QueryAccessEvent $event): void {
    $account = $event->getAccount();
    if (!CatalogAccess::seesAllProducts($event->getOperation(), [$account, 'hasPermission'])) {
      return;
    }
    $group = $event->getConditions();
    // getConditions() returns by reference so that a subscriber may remove
    // conditions; an empty group that is not always-false means no
    // restriction (QueryAccessHandlerBase does the same for administrators).
    $conditions = &$group->getConditions();
    $conditions = [];
    $group->alwaysFalse(FALSE);
    $group->addCacheContexts(['user.permissions']);
  }

}
