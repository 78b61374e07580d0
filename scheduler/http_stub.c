#include "http_internal.h"
enum MHD_Result http_api(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			 const char *path)
{
	(void)method;
	(void)path;
	return http_not_found(s, c, q);
}
enum MHD_Result http_metrics(struct http_impl *s, struct MHD_Connection *c, struct req *q)
{
	return http_not_found(s, c, q);
}
enum MHD_Result http_dashboard(struct http_impl *s, struct MHD_Connection *c, struct req *q,
			       const char *method, const char *path)
{
	(void)method;
	(void)path;
	return http_not_found(s, c, q);
}
enum MHD_Result http_act(struct http_impl *s, struct MHD_Connection *c, struct req *q, const char *method,
			 const char *rest)
{
	(void)method;
	(void)rest;
	return http_not_found(s, c, q);
}
