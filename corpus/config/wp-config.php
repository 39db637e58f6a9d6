<?php
/**
 * The base configuration for WordPress
 *
 * @package WordPress
 */

// ** Database settings ** //
define( 'DB_NAME', 'kestrel_blog' );
define( 'DB_USER', 'wp_kestrel' );
define( 'DB_PASSWORD', 'bl0g-Kestrel!77' );
define( 'DB_HOST', 'mysql-blog.kestrel.internal' );
define( 'DB_CHARSET', 'utf8mb4' );
define( 'DB_COLLATE', '' );

/**#@+
 * Authentication unique keys and salts.
 */
define( 'AUTH_KEY',         'jIi.wz[$t[ONVhyoB*z>lbw4#GJc,z0cd1H>~],G9KHHLy%8R~4wa:78 }`)DP8Q' );
define( 'SECURE_AUTH_KEY',  'V1@ku.zd.M&XERn!xW/BJ*yg_?Jh74C%<>#E$aO17z^r{8K-t?SEHQT#VEaBg2IZ' );
define( 'LOGGED_IN_KEY',    'AJDFpv2MTn-CF`]=rEi--ro,@L]O$QECSWOdg9;d?*Qu8GJ-}wtQ_}}%~,BWH$<C' );
define( 'NONCE_KEY',        'oQPBoYVK.`wkXQkHDDIdOwP0EhmR;Jc;XlI z$?uyrZOIXoc=h?m<it8$ S;<IP|' );
define( 'AUTH_SALT',        'a[P[U N#TEK[q{f-Zow0~l!&3]$W>gHBj.:Z{1yk,w_sBkIkT;P5+4/t/F<04irN' );
define( 'SECURE_AUTH_SALT', '0{pFShf@KJRH#j2=8X,eNSC[J^1(`6RtS?`*J5hw|~j?7+-f9!{1G4.rMd)UXy/d' );
define( 'LOGGED_IN_SALT',   '.IJ{XLX,[y:]m{whg:sLb}Yly9N 2I|ir~*TzXZuJHf*xT-o8b~EvWEkiyFHo1S_' );
define( 'NONCE_SALT',       'pX1U]SW~5];B<3BH{,iEus=.L&cr<;52|jY%FC4n#pRKYmDX#+^A%GHQt!X#h_;O' );
/**#@-*/

$table_prefix = 'kwp_';

define( 'WP_DEBUG', false );

if ( ! defined( 'ABSPATH' ) ) {
	define( 'ABSPATH', __DIR__ . '/' );
}

require_once ABSPATH . 'wp-settings.php';
