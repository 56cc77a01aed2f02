<?php
/**
 * Removes the plugin's settings when it is deleted from Plugins → Installed Plugins.
 */
if ( ! defined( 'WP_UNINSTALL_PLUGIN' ) ) {
	exit;
}
delete_option( 'sanctum_chat_settings' );
