import ipaddress

net = ipaddress.ip_network("192.168.1.0/28")
print(net, net.num_addresses, net.netmask, net.broadcast_address)
print([str(h) for h in list(net.hosts())[:3]], ipaddress.ip_address("192.168.1.5") in net)
print(ipaddress.ip_address("::1").version, ipaddress.ip_address("10.0.0.1").is_private)
print(list(net.subnets(new_prefix=30))[:2], ipaddress.ip_interface("10.1.2.3/24").network)
try:
    ipaddress.ip_address("300.1.1.1")
except ValueError as exc:
    print("ValueError:", exc)
