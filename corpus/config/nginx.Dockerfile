FROM nginx:1.25-alpine

# basic auth in front of the internal grafana
RUN echo 'grafana-ro:$apr1$4pFnGH6V$/JAPpn/QQq1fdxTaqpcab.' > /etc/nginx/.htpasswd \
    && chmod 640 /etc/nginx/.htpasswd && chown root:nginx /etc/nginx/.htpasswd

COPY nginx/grafana.conf /etc/nginx/conf.d/default.conf
EXPOSE 8080
