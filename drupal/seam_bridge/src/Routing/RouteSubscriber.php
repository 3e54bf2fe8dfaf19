<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Routing;

use Drupal\Core\Routing\RouteSubscriberBase;
use Symfony\Component\Routing\RouteCollection;

/**
 * Lets every authentication provider on the site reach the transition route.
 *
 * A route without _auth only accepts global providers (cookie); seam usually
 * authenticates with basic_auth, or whatever provider the site uses for
 * integrations (OAuth, key auth). Access is still the permission
 * "seam bridge transition payments".
 */
final class RouteSubscriber extends RouteSubscriberBase {

  /**
   * @param array<string, string> $providers
   *   The authentication_providers container parameter (id => module).
   */
  public function __construct(private readonly array $providers) {}

  /**
   * {@inheritdoc}
   */
  protected function alterRoutes(RouteCollection $collection): void {
    $route = $collection->get('seam_bridge.payment_transition');
    if ($route !== NULL && $this->providers) {
      $route->setOption('_auth', array_values(array_unique(array_merge(['cookie'], array_keys($this->providers)))));
    }
  }

}
