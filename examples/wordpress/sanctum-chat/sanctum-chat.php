<?php
/**
 * Plugin Name:       Sanctum Chat
 * Plugin URI:        https://github.com/sanctum-chat/sanctum/tree/main/examples/wordpress
 * Description:       Adds the Sanctum Chat widget (a chat bubble served by your own Sanctum server) to every page of the site. Configure it under Settings → Sanctum Chat.
 * Version:           1.0.0
 * Requires at least: 5.0
 * Requires PHP:      7.2
 * Author:            Sanctum Chat
 * License:           MIT
 * Text Domain:       sanctum-chat
 */

if ( ! defined( 'ABSPATH' ) ) {
	exit; // Only WordPress may load this file.
}

define( 'SANCTUM_CHAT_OPTION', 'sanctum_chat_settings' );
define( 'SANCTUM_CHAT_PAGE', 'sanctum-chat' );
define( 'SANCTUM_CHAT_HANDLE', 'sanctum-chat-widget' );

/** The widget's positions (docs/widget.md, option `position`). */
function sanctum_chat_positions() {
	return array(
		'bottom-right'  => __( 'Bottom right', 'sanctum-chat' ),
		'bottom-left'   => __( 'Bottom left', 'sanctum-chat' ),
		'bottom-center' => __( 'Bottom centre', 'sanctum-chat' ),
		'top-right'     => __( 'Top right', 'sanctum-chat' ),
		'top-left'      => __( 'Top left', 'sanctum-chat' ),
		'top-center'    => __( 'Top centre', 'sanctum-chat' ),
		'middle-left'   => __( 'Middle left', 'sanctum-chat' ),
		'middle-right'  => __( 'Middle right', 'sanctum-chat' ),
	);
}

function sanctum_chat_defaults() {
	return array(
		'enabled'       => false,
		'server_url'    => '',
		'widget_key'    => '',
		'position'      => 'bottom-right',
		'primary_color' => '#007bff',
		'title'         => 'Chat with us',
		'language'      => '',
	);
}

/** The stored settings merged over the defaults (a missing or damaged option gives the defaults). */
function sanctum_chat_settings() {
	$stored = get_option( SANCTUM_CHAT_OPTION, array() );
	return array_merge( sanctum_chat_defaults(), is_array( $stored ) ? $stored : array() );
}

/**
 * The Sanctum server's base URL from what the admin typed: http(s) only, no query or fragment,
 * no trailing slash; a pasted loader URL (…/widget/chat-widget.js) is cut back to the server.
 */
function sanctum_chat_clean_server_url( $url ) {
	$url = trim( (string) $url );
	$cut = strpos( $url, '/widget/' );
	if ( false !== $cut ) {
		$url = substr( $url, 0, $cut );
	}
	$url   = preg_replace( '/[?#].*$/s', '', $url );
	$url   = esc_url_raw( $url, array( 'http', 'https' ) );
	$parts = wp_parse_url( $url );
	if ( ! is_array( $parts ) || empty( $parts['host'] ) || ! in_array( strtolower( (string) $parts['scheme'] ), array( 'http', 'https' ), true ) ) {
		return '';
	}
	return rtrim( $url, '/' );
}

/** Sanitize callback of the option: every field is checked; invalid values keep the previous one. */
function sanctum_chat_sanitize( $input ) {
	$old   = sanctum_chat_settings();
	$input = is_array( $input ) ? $input : array();
	$out   = $old;

	$out['enabled'] = ! empty( $input['enabled'] );

	if ( isset( $input['server_url'] ) ) {
		$url = sanctum_chat_clean_server_url( $input['server_url'] );
		if ( '' === $url && '' !== trim( (string) $input['server_url'] ) ) {
			add_settings_error( SANCTUM_CHAT_OPTION, 'server_url', __( 'The server URL must be an http:// or https:// address.', 'sanctum-chat' ) );
			$url = $old['server_url'];
		}
		$out['server_url'] = $url;
	}
	if ( isset( $input['widget_key'] ) ) {
		$key = trim( sanitize_text_field( $input['widget_key'] ) );
		if ( '' !== $key && ! preg_match( '/^[A-Za-z0-9_\-]{1,128}$/', $key ) ) {
			add_settings_error( SANCTUM_CHAT_OPTION, 'widget_key', __( 'The widget key may only contain letters, digits, "-" and "_".', 'sanctum-chat' ) );
			$key = $old['widget_key'];
		}
		$out['widget_key'] = $key;
	}
	if ( isset( $input['position'] ) && array_key_exists( $input['position'], sanctum_chat_positions() ) ) {
		$out['position'] = $input['position'];
	}
	if ( isset( $input['primary_color'] ) ) {
		$color = sanitize_hex_color( trim( (string) $input['primary_color'] ) );
		if ( $color ) {
			$out['primary_color'] = strtolower( $color );
		}
	}
	if ( isset( $input['title'] ) ) {
		$title        = trim( sanitize_text_field( $input['title'] ) );
		$out['title'] = function_exists( 'mb_substr' ) ? mb_substr( $title, 0, 80 ) : substr( $title, 0, 80 );
	}
	if ( isset( $input['language'] ) ) {
		$language        = trim( (string) $input['language'] );
		$out['language'] = preg_match( '/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/', $language ) ? $language : '';
	}
	return $out;
}

/** The widget's `data-*` options for the current settings (empty values are left out). */
function sanctum_chat_data_attributes( $settings ) {
	$language = '' !== $settings['language'] ? $settings['language'] : str_replace( '_', '-', get_locale() );
	$data     = array(
		'auto-init'     => 'true',
		'api-key'       => $settings['widget_key'],
		'position'      => $settings['position'],
		'primary-color' => $settings['primary_color'],
		'title'         => $settings['title'],
		'language'      => preg_match( '/^[A-Za-z]{2,3}(-[A-Za-z0-9]{2,8})*$/', $language ) ? $language : '',
	);
	return array_filter( $data, 'strlen' );
}

/** Whether the widget should be on the page: enabled and configured. */
function sanctum_chat_is_active( $settings ) {
	return $settings['enabled'] && '' !== sanctum_chat_clean_server_url( $settings['server_url'] );
}

/** Front end: enqueues the loader in the footer (no version query: the server caches it itself). */
function sanctum_chat_enqueue() {
	$settings = sanctum_chat_settings();
	if ( ! sanctum_chat_is_active( $settings ) ) {
		return;
	}
	$src = sanctum_chat_clean_server_url( $settings['server_url'] ) . '/widget/chat-widget.js';
	wp_enqueue_script( SANCTUM_CHAT_HANDLE, $src, array(), null, true );
}
add_action( 'wp_enqueue_scripts', 'sanctum_chat_enqueue' );

/**
 * Writes the loader's tag: `async` plus the options as `data-*` attributes, so the page needs no
 * inline script (works under a strict Content-Security-Policy).
 */
function sanctum_chat_script_tag( $tag, $handle, $src ) {
	if ( SANCTUM_CHAT_HANDLE !== $handle ) {
		return $tag;
	}
	$attributes = '';
	foreach ( sanctum_chat_data_attributes( sanctum_chat_settings() ) as $name => $value ) {
		$attributes .= sprintf( ' data-%s="%s"', $name, esc_attr( $value ) );
	}
	return sprintf( '<script src="%s" id="%s" async%s></script>' . "\n", esc_url( $src ), esc_attr( $handle . '-js' ), $attributes );
}
add_filter( 'script_loader_tag', 'sanctum_chat_script_tag', 10, 3 );

/* ---------------------------------------------------------------- Settings → Sanctum Chat */

function sanctum_chat_admin_menu() {
	add_options_page(
		__( 'Sanctum Chat', 'sanctum-chat' ),
		__( 'Sanctum Chat', 'sanctum-chat' ),
		'manage_options',
		SANCTUM_CHAT_PAGE,
		'sanctum_chat_render_settings_page'
	);
}
add_action( 'admin_menu', 'sanctum_chat_admin_menu' );

function sanctum_chat_admin_init() {
	register_setting(
		'sanctum_chat',
		SANCTUM_CHAT_OPTION,
		array(
			'type'              => 'array',
			'sanitize_callback' => 'sanctum_chat_sanitize',
			'default'           => sanctum_chat_defaults(),
		)
	);
	add_settings_section( 'sanctum_chat_main', __( 'Widget', 'sanctum-chat' ), 'sanctum_chat_render_section', SANCTUM_CHAT_PAGE );
	$fields = array(
		'enabled'       => __( 'Show the chat', 'sanctum-chat' ),
		'server_url'    => __( 'Server URL', 'sanctum-chat' ),
		'widget_key'    => __( 'Public widget key', 'sanctum-chat' ),
		'position'      => __( 'Position', 'sanctum-chat' ),
		'primary_color' => __( 'Primary colour', 'sanctum-chat' ),
		'title'         => __( 'Title', 'sanctum-chat' ),
		'language'      => __( 'Language', 'sanctum-chat' ),
	);
	foreach ( $fields as $field => $label ) {
		add_settings_field(
			'sanctum_chat_' . $field,
			$label,
			'sanctum_chat_render_field',
			SANCTUM_CHAT_PAGE,
			'sanctum_chat_main',
			array( 'field' => $field, 'label_for' => 'sanctum_chat_' . $field )
		);
	}
}
add_action( 'admin_init', 'sanctum_chat_admin_init' );

function sanctum_chat_action_links( $links ) {
	if ( current_user_can( 'manage_options' ) ) {
		$url = admin_url( 'options-general.php?page=' . SANCTUM_CHAT_PAGE );
		array_unshift( $links, sprintf( '<a href="%s">%s</a>', esc_url( $url ), esc_html__( 'Settings', 'sanctum-chat' ) ) );
	}
	return $links;
}
add_filter( 'plugin_action_links_' . plugin_basename( __FILE__ ), 'sanctum_chat_action_links' );

function sanctum_chat_render_section() {
	echo '<p>' . esc_html__( 'Connect the site to your Sanctum server. Visitors see the chat bubble on every page once it is enabled and the server URL is set.', 'sanctum-chat' ) . '</p>';
}

/** Prints an <input> with its attributes escaped, and an optional description below it. */
function sanctum_chat_input( $attributes, $description = '' ) {
	echo '<input';
	foreach ( $attributes as $name => $value ) {
		printf( ' %s="%s"', $name, esc_attr( $value ) );
	}
	echo '>';
	if ( '' !== $description ) {
		echo '<p class="description">' . esc_html( $description ) . '</p>';
	}
}

function sanctum_chat_render_field( $args ) {
	$settings = sanctum_chat_settings();
	$field    = $args['field'];
	$value    = $settings[ $field ];
	$input    = array(
		'id'   => 'sanctum_chat_' . $field,
		'name' => SANCTUM_CHAT_OPTION . '[' . $field . ']',
	);

	switch ( $field ) {
		case 'enabled':
			printf(
				'<label><input type="checkbox" id="%s" name="%s" value="1"%s> %s</label>',
				esc_attr( $input['id'] ),
				esc_attr( $input['name'] ),
				checked( (bool) $value, true, false ),
				esc_html__( 'Add the chat widget to the site', 'sanctum-chat' )
			);
			break;
		case 'server_url':
			sanctum_chat_input(
				$input + array( 'type' => 'url', 'class' => 'regular-text code', 'value' => $value, 'placeholder' => 'https://chat.example.com' ),
				__( 'The address of your Sanctum server (the loader is its /widget/chat-widget.js).', 'sanctum-chat' )
			);
			break;
		case 'widget_key':
			sanctum_chat_input(
				$input + array( 'type' => 'text', 'class' => 'regular-text code', 'value' => $value, 'placeholder' => 'pk_live_…', 'autocomplete' => 'off' ),
				__( 'The site\'s public widget key. Never enter the agent API key here: it would be visible to every visitor.', 'sanctum-chat' )
			);
			break;
		case 'position':
			printf( '<select id="%s" name="%s">', esc_attr( $input['id'] ), esc_attr( $input['name'] ) );
			foreach ( sanctum_chat_positions() as $position => $label ) {
				printf( '<option value="%s"%s>%s</option>', esc_attr( $position ), selected( $value, $position, false ), esc_html( $label ) );
			}
			echo '</select>';
			break;
		case 'primary_color':
			sanctum_chat_input( $input + array( 'type' => 'color', 'value' => $value ) );
			break;
		case 'title':
			sanctum_chat_input( $input + array( 'type' => 'text', 'class' => 'regular-text', 'value' => $value, 'maxlength' => '80' ) );
			break;
		case 'language':
			sanctum_chat_input(
				$input + array( 'type' => 'text', 'class' => 'small-text', 'value' => $value, 'placeholder' => str_replace( '_', '-', get_locale() ) ),
				__( 'A language tag such as en, de or ar. Empty: the site\'s language.', 'sanctum-chat' )
			);
			break;
	}
}

function sanctum_chat_render_settings_page() {
	if ( ! current_user_can( 'manage_options' ) ) {
		return;
	}
	echo '<div class="wrap"><h1>' . esc_html( get_admin_page_title() ) . '</h1>';
	echo '<form action="' . esc_url( admin_url( 'options.php' ) ) . '" method="post">';
	settings_fields( 'sanctum_chat' );
	do_settings_sections( SANCTUM_CHAT_PAGE );
	submit_button();
	echo '</form></div>';
}
