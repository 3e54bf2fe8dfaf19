<?php

declare(strict_types=1);

namespace Drupal\seam_bridge\Form;

use Drupal\Core\Config\ConfigFactoryInterface;
use Drupal\Core\Config\TypedConfigManagerInterface;
use Drupal\Core\Entity\EntityTypeManagerInterface;
use Drupal\Core\Form\ConfigFormBase;
use Drupal\Core\Form\FormStateInterface;
use Drupal\seam_bridge\Event\EventSender;
use Drupal\seam_bridge\SecretResolver;
use Drupal\seam_bridge\StoreMap;
use Symfony\Component\DependencyInjection\ContainerInterface;

/**
 * /admin/commerce/config/seam-bridge: seam URL, store map, secret source.
 *
 * The secret itself is never entered here or stored in config: config only
 * says whether it is read from settings.php ($settings[KEY]) or from an
 * environment variable, and under which name.
 */
final class SettingsForm extends ConfigFormBase {

  public function __construct(
    ConfigFactoryInterface $config_factory,
    TypedConfigManagerInterface $typed_config_manager,
    private readonly EntityTypeManagerInterface $entityTypeManager,
    private readonly EventSender $sender,
  ) {
    parent::__construct($config_factory, $typed_config_manager);
  }

  /**
   * {@inheritdoc}
   */
  public static function create(ContainerInterface $container): static {
    return new static(
      $container->get('config.factory'),
      $container->get('config.typed'),
      $container->get('entity_type.manager'),
      $container->get('seam_bridge.sender'),
    );
  }

  /**
   * {@inheritdoc}
   */
  public function getFormId(): string {
    return 'seam_bridge_settings';
  }

  /**
   * {@inheritdoc}
   */
  protected function getEditableConfigNames(): array {
    return ['seam_bridge.settings'];
  }

  /**
   * {@inheritdoc}
   */
  public function buildForm(array $form, FormStateInterface $form_state): array {
    $config = $this->config('seam_bridge.settings');
    $form['base_url'] = [
      '#type' => 'url',
      '#title' => $this->t('seam base URL'),
      '#description' => $this->t('Events are sent to {base URL}/webhooks/drupal/{seam store}, e.g. https://seam.example.com. Empty: no events are queued.'),
      '#default_value' => $config->get('base_url'),
    ];

    $map = [];
    foreach ((array) $config->get('stores') as $row) {
      $map[$row['store_uuid'] ?? ''] = $row['seam_store'] ?? '';
    }
    $form['stores'] = [
      '#type' => 'details',
      '#title' => $this->t('Store mapping'),
      '#open' => TRUE,
      '#tree' => TRUE,
      '#description' => $this->t('The seam store name for each Drupal store (letters, digits, "_", "-", "."); leave empty to use the default below.'),
    ];
    foreach ($this->entityTypeManager->getStorage('commerce_store')->loadMultiple() as $store) {
      $form['stores'][$store->uuid()] = [
        '#type' => 'textfield',
        '#title' => $this->t('@name (@uuid)', ['@name' => $store->label(), '@uuid' => $store->uuid()]),
        '#default_value' => $map[$store->uuid()] ?? '',
        '#maxlength' => 64,
      ];
    }
    $form['default_store'] = [
      '#type' => 'textfield',
      '#title' => $this->t('Default seam store'),
      '#description' => $this->t('Used for Drupal stores without their own mapping. Empty: events of unmapped stores are not delivered.'),
      '#default_value' => $config->get('default_store'),
      '#maxlength' => 64,
    ];

    $form['secret'] = [
      '#type' => 'details',
      '#title' => $this->t('Signing secret'),
      '#open' => TRUE,
      '#description' => $this->t('Events are signed with Standard Webhooks (HMAC-SHA256) using a whsec_ secret shared with seam. The secret is never stored in configuration: put it in settings.php ($settings[\'seam_bridge_secret\'] = \'whsec_...\';) or in an environment variable of the web server and cron.'),
    ];
    $form['secret']['secret_source'] = [
      '#type' => 'radios',
      '#title' => $this->t('Read the secret from'),
      '#options' => [
        SecretResolver::SOURCE_SETTINGS => $this->t('settings.php ($settings key)'),
        SecretResolver::SOURCE_ENV => $this->t('Environment variable'),
      ],
      '#default_value' => $config->get('secret_source') ?: SecretResolver::SOURCE_SETTINGS,
    ];
    $form['secret']['secret_name'] = [
      '#type' => 'textfield',
      '#title' => $this->t('$settings key or environment variable name'),
      '#description' => $this->t('Default: seam_bridge_secret (settings.php) or SEAM_BRIDGE_SECRET (environment).'),
      '#default_value' => $config->get('secret_name'),
      '#maxlength' => 128,
    ];
    $form['secret']['status'] = [
      '#type' => 'item',
      '#title' => $this->t('Current status'),
      '#markup' => SecretResolver::isUsable($this->sender->secret())
        ? $this->t('A whsec_ secret is set where configured.')
        : $this->t('No usable whsec_ secret is set where configured: events stay queued until it is.'),
    ];
    return parent::buildForm($form, $form_state);
  }

  /**
   * {@inheritdoc}
   */
  public function validateForm(array &$form, FormStateInterface $form_state): void {
    $base = trim((string) $form_state->getValue('base_url'));
    if ($base !== '' && StoreMap::webhookUrl($base, 'x') === NULL) {
      $form_state->setErrorByName('base_url', $this->t('The seam base URL must be an http(s) URL without query or fragment.'));
    }
    foreach ((array) $form_state->getValue('stores') as $uuid => $name) {
      $name = trim((string) $name);
      if ($name !== '' && !StoreMap::isValidName($name)) {
        $form_state->setErrorByName('stores][' . $uuid, $this->t('Invalid seam store name.'));
      }
    }
    $default = trim((string) $form_state->getValue('default_store'));
    if ($default !== '' && !StoreMap::isValidName($default)) {
      $form_state->setErrorByName('default_store', $this->t('Invalid seam store name.'));
    }
    $secretName = trim((string) $form_state->getValue('secret_name'));
    if (str_starts_with($secretName, 'whsec_')) {
      $form_state->setErrorByName('secret_name', $this->t('Enter the name of the setting or variable that holds the secret, not the secret itself.'));
    }
    elseif ($secretName !== '' && !preg_match('/^[A-Za-z_][A-Za-z0-9_]{0,127}$/', $secretName)) {
      $form_state->setErrorByName('secret_name', $this->t('Use letters, digits and underscores.'));
    }
    parent::validateForm($form, $form_state);
  }

  /**
   * {@inheritdoc}
   */
  public function submitForm(array &$form, FormStateInterface $form_state): void {
    $stores = [];
    foreach ((array) $form_state->getValue('stores') as $uuid => $name) {
      if (trim((string) $name) !== '') {
        $stores[] = ['store_uuid' => (string) $uuid, 'seam_store' => trim((string) $name)];
      }
    }
    $source = (string) $form_state->getValue('secret_source');
    $name = trim((string) $form_state->getValue('secret_name'));
    if ($name === '') {
      $name = $source === SecretResolver::SOURCE_ENV ? SecretResolver::DEFAULT_ENV_VAR : SecretResolver::DEFAULT_SETTINGS_KEY;
    }
    $this->config('seam_bridge.settings')
      ->set('base_url', rtrim(trim((string) $form_state->getValue('base_url')), '/'))
      ->set('stores', $stores)
      ->set('default_store', trim((string) $form_state->getValue('default_store')))
      ->set('secret_source', $source)
      ->set('secret_name', $name)
      ->save();
    parent::submitForm($form, $form_state);
  }

}
