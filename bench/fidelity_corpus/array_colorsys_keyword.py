import array
import colorsys
import keyword

arr = array.array("i", [1, 2, 3])
arr.append(4)
print(arr, arr.tolist(), arr.itemsize, sum(arr), arr[::-1])
print([round(c, 4) for c in colorsys.rgb_to_hsv(0.2, 0.4, 0.4)], colorsys.hsv_to_rgb(0, 0, 1))
print(keyword.iskeyword("class"), keyword.iskeyword("klass"), len(keyword.kwlist) > 30)
try:
    array.array("b", [200])
except OverflowError as exc:
    print("OverflowError:", exc)
