<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Field;

use Drupal\Core\Field\BaseFieldDefinition;

/**
 * A base field definition that can ask for indexes on its columns.
 *
 * Core's BaseFieldDefinition merges $this->indexes into the field schema
 * (getSchema()), and the SQL storage creates those indexes in the entity's
 * shared table, but it has no setter: entity types index their own base
 * fields in their storage schema handler, which another module cannot
 * extend. seam looks a product up by seam_pim_id on every catalog sync, so
 * the column gets an index this way.
 *
 * Installed field storage definitions are stored serialized (the entity
 * last-installed schema repository) with this class name: the class must
 * stay while the field is installed. Uninstalling seam_bridge removes the
 * field and its stored definition.
 */
final class IndexedBaseFieldDefinition extends BaseFieldDefinition {

  /**
   * Sets the indexes, as in hook_schema: name => list of column names.
   *
   * Call before the schema is first read (getSchema() caches it).
   *
   * @param array<string, string[]> $indexes
   *
   * @return $this
   */
  public function setIndexes(array $indexes): static {
    $this->indexes = $indexes;
    $this->schema = NULL;
    return $this;
  }

}
