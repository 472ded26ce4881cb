# Child-process entry of a Python service: python3 service.py <system.py> <service>
import importlib.util
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import evalrt  # noqa: E402

sys_file, service = sys.argv[1:3]
spec = importlib.util.spec_from_file_location('evalsystem', sys_file)
system = importlib.util.module_from_spec(spec)
spec.loader.exec_module(system)
rt = evalrt.Runtime(system.SYSTEM['name'], service)
system.RUN[service](rt)
rt.ready()
rt.run_forever()
