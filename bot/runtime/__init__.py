"""Wiring: the Bot and the Dispatcher with every feature's routers and middlewares, polling, the webhook
server, shutdown. The only package that knows every other one."""
