/*
 * request_head.h: the head of the request an upstream gets.
 */
#ifndef QUILL_GATEWAY_REQUEST_HEAD_H
#define QUILL_GATEWAY_REQUEST_HEAD_H

#include <stdbool.h>

#include <h2o.h>

/*
 * The request line with path, Host: authority, the WebSocket upgrade when
 * asked for, and req's headers as an upstream gets them; in req's pool.
 */
h2o_iovec_t request_head(h2o_req_t *req, const h2o_iovec_t *authority, h2o_iovec_t path, bool websocket);

#endif
