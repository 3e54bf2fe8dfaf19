<?php

declare(strict_types=1);

namespace Drupal\seam_bridge;

/**
 * A transition request that can never be applied as sent (answered 422).
 *
 * The message is the "detail" of the 422 body; it never holds secrets.
 */
final class InvalidRequestException extends \InvalidArgumentException {
}
