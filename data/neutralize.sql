-- A neutralized copy of the database (a staging copy restored from production) must not send to
-- production's Xero organisation by surprise: every connection is disconnected (its tokens forgotten,
-- so nothing can be sent or read until an administrator reconnects it, to a test organisation), what
-- waited to be sent is left as it is, and the scheduled syncs stop.
UPDATE xero_connection
   SET state = 'disconnected',
       state_message = 'Neutralized copy of the database: reconnect it (to a test organisation) before it sends anything.',
       access_token = NULL,
       refresh_token = NULL,
       token_expires_at = NULL,
       next_sync = NULL,
       send_mode = 'manual'
 WHERE state != 'draft';
