// A CSV of N residents with valid ID numbers in 青山区's communities, for the import benchmark.
const n = +process.argv[2];
const W = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const C = '10X98765432';
const sur = '王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗'.split('');
const giv = '伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀英霞'.split('');
const coms = ['青和居社区', '青雅居社区', '青宜居社区', '青康居社区'];
// xorshift32: deterministic, exact in 32-bit integer arithmetic.
let seed = 2463534242;
const rnd = (k) => {
	seed ^= seed << 13;
	seed ^= seed >>> 17;
	seed ^= seed << 5;
	return (seed >>> 0) % k;
};
const out = ['姓名,社区,性别,出生日期,身份证号,联系电话,网格,小区,楼栋,单元,房号,与户主关系,标签'];
const seen = new Set();
while (out.length <= n) {
	const y = 1930 + rnd(90), m = 1 + rnd(12), d = 1 + rnd(28), s = rnd(1000);
	const d17 = `420107${y}${String(m).padStart(2, '0')}${String(d).padStart(2, '0')}${String(s).padStart(3, '0')}`;
	if (seen.has(d17)) continue;
	seen.add(d17);
	const id = d17 + C[[...d17].reduce((t, c, i) => t + Number(c) * W[i], 0) % 11];
	const name = sur[rnd(20)] + giv[rnd(20)] + (rnd(10) < 6 ? giv[rnd(20)] : '');
	const phone = `1${3 + rnd(7)}${String(rnd(1e9)).padStart(9, '0')}`;
	out.push(`${name},${coms[rnd(4)]},${s % 2 ? '男' : '女'},${y}-${String(m).padStart(2, '0')}-${String(d).padStart(2, '0')},${id},${phone},第${1 + rnd(3)}网格,和平小区,${1 + rnd(20)}栋,${1 + rnd(4)},${1 + rnd(18)}0${1 + rnd(4)},户主,`);
}
process.stdout.write(out.join('\r\n') + '\r\n');
