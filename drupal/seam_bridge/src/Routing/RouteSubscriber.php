<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Routing;

use Drupal\Core\Routing\RouteSubscriberBase;
use Symfony\Component\Routing\RouteCollection;

/**
 * Lets every authentication provider on the site reach seam's routes (the
 * payment transition and the catalog translation routes).
 *
 * A route without _auth only accepts global providers (cookie); seam usually
 * authenticates with basic_auth, or whatever provider the site uses for
 * integrations (OAuth, key auth). Access is still each route's permission.
 */
final class RouteSubscriber extends RouteSubscriberBase {

  private const ROUTES = [
    'seam_bridge.payment_transition',
    'seam_bridge.catalog_translation.get',
    'seam_bridge.catalog_translation.put',
    'seam_bridge.catalog_translation.delete',
  ];

  /**
   * @param array<string, string> $providers
   *   The authentication_providers container parameter (id => module).
   */
  public function __construct(private readonly array $providers) {}

  /**
   * {@inheritdoc}
   */
  protected function alterRoutes(RouteCollection $collection): void {
    if (!$this->providers) {
      return;
    }
    $auth = array_values(array_unique(array_merge(['cookie'], array_keys($this->providers))));
    foreach (self::ROUTES as $name) {
      $collection->get($name)?->setOption('_auth', $auth);
    }
  }

}
